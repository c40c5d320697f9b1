"""ListedSelect writes a drop-down in Python: the same HTML as Django's Select, byte for byte."""

import pytest
from django import forms
from django.utils.translation import gettext_lazy

from units.reads.filters import CoverageFilter, UnitChoiceField
from units.widgets import ListedSelect

CHOICES = [
    (None, "All"),
    ("2025-06-30", "30/06/2025 (Q2)"),
    ("a&b", 'Bản "Nậm" <Cang> & co'),
    (3, gettext_lazy("Province")),
    ("3", "a second 3: only the first is selected"),
]


@pytest.mark.parametrize("value", [None, "", "2025-06-30", "a&b", "3", 3, "missing"])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_date"}, {"id": "x", "required": True, "disabled": False, "aria-x": "<y>"}],
)
def test_listed_select_writes_what_django_writes(value, attrs):
    django = forms.Select(choices=CHOICES).render("date", value, attrs)
    listed = ListedSelect(choices=CHOICES).render("date", value, attrs)
    assert listed == django


def test_listed_select_leaves_groups_to_django():
    grouped = [("North", [("1", "Điện Biên"), ("2", "Lai Châu")]), ("3", "Hà Nội")]
    django = forms.Select(choices=grouped).render("p", "2", {"id": "p"})
    assert ListedSelect(choices=grouped).render("p", "2", {"id": "p"}) == django


@pytest.mark.django_db
def test_the_coverage_filters_draw_as_django_would(demo, english):
    """Every drop-down of the coverage table's form, model choices included."""
    from units.reads.dates import periods_with_coverage

    filterset = CoverageFilter({"status": "joined"}, periods=periods_with_coverage())
    assert filterset.is_valid()
    filterset.place_lists_narrow()
    for name in ("date", "group", "province", "district", "commune", "status", "sort"):
        field = filterset.form[name]
        assert isinstance(field.field.widget, ListedSelect)
        django_widget = forms.Select(choices=field.field.widget.choices)
        assert field.as_widget() == field.as_widget(widget=django_widget), name
    assert UnitChoiceField.widget is ListedSelect
