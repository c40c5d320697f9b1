"""The real administrative units (fixtures/units/) as loaded by `manage.py load_units`.

Figures checked with docs/domain.md §4: Điện Biên had 10 district-level units and 129 communes
before 1/7/2025, and 45 communes (42 xã, 3 phường) directly under the province after it.
"""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from units.models import (
    LAST_DAY_BEFORE_REFORM,
    REFORM_DATE,
    DataVersion,
    Level,
    Scheme,
    Unit,
    UnitSuccession,
)

DIEN_BIEN = "11"
BEFORE_REFORM = datetime.date(2024, 12, 31)
AFTER_REFORM = datetime.date(2025, 7, 2)


def load_units(*args: str) -> str:
    out = StringIO()
    call_command("load_units", *args, stdout=out)
    return out.getvalue()


def old_units(level: str, province_code: str = DIEN_BIEN):
    """Units of the three-level scheme in one province, valid just before the reform."""
    units = Unit.objects.valid_on(BEFORE_REFORM).filter(scheme=Scheme.GSO2004, level=level)
    if level == Level.DISTRICT:
        return units.filter(parent__code=province_code)
    return units.filter(parent__parent__code=province_code)


def new_communes(province_code: str = DIEN_BIEN):
    return Unit.objects.valid_on(AFTER_REFORM).filter(
        scheme=Scheme.GSO2025, level=Level.COMMUNE, parent__code=province_code
    )


@pytest.fixture
def dien_bien(db) -> None:
    load_units("--province", DIEN_BIEN)


@pytest.mark.django_db
def test_dien_bien_before_reform_has_10_districts_and_129_communes(dien_bien):
    assert old_units(Level.DISTRICT).count() == 10
    assert old_units(Level.COMMUNE).count() == 129


@pytest.mark.django_db
def test_dien_bien_after_reform_has_45_communes_directly_under_the_province(dien_bien):
    communes = new_communes()
    assert communes.count() == 45
    assert communes.filter(name__startswith="Xã ").count() == 42
    assert communes.filter(name__startswith="Phường ").count() == 3
    assert not communes.exclude(parent__level=Level.PROVINCE).exists()
    assert not Unit.objects.valid_on(AFTER_REFORM).filter(level=Level.DISTRICT).exists()


@pytest.mark.django_db
def test_validity_ends_and_starts_at_the_reform(dien_bien):
    old = Unit.objects.filter(scheme=Scheme.GSO2004)
    new = Unit.objects.filter(scheme=Scheme.GSO2025)
    assert set(old.values_list("valid_from", "valid_to")) == {
        (datetime.date(2004, 1, 1), LAST_DAY_BEFORE_REFORM)
    }
    assert set(new.values_list("valid_from", "valid_to")) == {(REFORM_DATE, None)}
    assert not old.valid_on(REFORM_DATE).exists()


@pytest.mark.django_db
def test_crosswalk_has_129_rows_from_dien_bien_communes(dien_bien):
    rows = UnitSuccession.objects.filter(
        predecessor__scheme=Scheme.GSO2004,
        predecessor__level=Level.COMMUNE,
        predecessor__parent__parent__code=DIEN_BIEN,
    )
    assert rows.count() == 129
    assert set(rows.values_list("date", "source")) == {
        (REFORM_DATE, "vietnam-address-converter 1.0.5")
    }
    successors = Unit.objects.filter(predecessions__in=rows).distinct()
    assert successors.count() == 45
    assert set(successors.values_list("scheme", "level", "parent__code")) == {
        (Scheme.GSO2025, Level.COMMUNE, DIEN_BIEN)
    }


@pytest.mark.django_db
def test_old_province_is_continued_by_the_new_one(dien_bien):
    link = UnitSuccession.objects.get(predecessor__level=Level.PROVINCE)
    assert (link.predecessor.scheme, link.predecessor.code) == (Scheme.GSO2004, DIEN_BIEN)
    assert (link.successor.scheme, link.successor.code) == (Scheme.GSO2025, DIEN_BIEN)
    assert link.successor.name == "Tỉnh Điện Biên"
    assert not link.partial


@pytest.mark.django_db
def test_muong_cha_district_contains_its_communes(dien_bien):
    district = Unit.objects.get(scheme=Scheme.GSO2004, level=Level.DISTRICT, code="097")
    assert district.name == "Huyện Mường Chà"
    assert district.parent.name == "Tỉnh Điện Biên"
    names = set(district.children.values_list("name", flat=True))
    assert {"Xã Mường Tùng", "Xã Huổi Mí", "Xã Na Sang"} <= names


@pytest.mark.django_db
def test_name_keys_drop_the_kind(dien_bien):
    keys = dict(Unit.objects.filter(scheme=Scheme.GSO2004).values_list("name", "name_key"))
    assert keys["Tỉnh Điện Biên"] == "dien bien"
    assert keys["Huyện Mường Chà"] == "muong cha"
    assert keys["Thành phố Điện Biên Phủ"] == "dien bien phu"
    assert keys["Thị trấn Mường Chà"] == "muong cha"
    assert keys["Xã Mường Tùng"] == "muong tung"


@pytest.mark.django_db
def test_loading_twice_changes_nothing(dien_bien):
    units = list(Unit.objects.order_by("pk").values_list("pk", "scheme", "level", "code", "name"))
    links = list(UnitSuccession.objects.order_by("pk").values_list("pk", "partial"))
    load_units("--province", DIEN_BIEN)
    assert (
        list(Unit.objects.order_by("pk").values_list("pk", "scheme", "level", "code", "name"))
        == units
    )
    assert list(UnitSuccession.objects.order_by("pk").values_list("pk", "partial")) == links


@pytest.mark.django_db
def test_the_data_version_moves_when_a_load_changes_units_and_only_then():
    """Cached pages and staff drafts read ahead are keyed to the data version."""
    load_units("--province", DIEN_BIEN)
    first = DataVersion.current().number
    assert first == 1, "the first load added units"
    load_units("--province", DIEN_BIEN)
    assert DataVersion.current().number == first, "the same fixtures again changed nothing"
    # A name from older fixtures (or edited by hand) put right; a unit ended too early.
    Unit.objects.filter(scheme=Scheme.GSO2004, code="097").update(name="Huyện Cũ")
    load_units("--province", DIEN_BIEN)
    assert DataVersion.current().number == first + 1
    Unit.objects.filter(scheme=Scheme.GSO2025, code="03172").update(valid_to=REFORM_DATE)
    load_units("--province", DIEN_BIEN)
    assert DataVersion.current().number == first + 2
    UnitSuccession.objects.filter(predecessor__level=Level.PROVINCE).delete()
    load_units("--province", DIEN_BIEN)
    assert DataVersion.current().number == first + 3


@pytest.mark.django_db
def test_a_reused_commune_code_names_two_different_units(dien_bien):
    """03172 was Thị trấn Mường Chà before the reform and is Xã Na Sang after it."""
    old = Unit.objects.get(scheme=Scheme.GSO2004, level=Level.COMMUNE, code="03172")
    new = Unit.objects.get(scheme=Scheme.GSO2025, level=Level.COMMUNE, code="03172")
    assert old.pk != new.pk
    assert (old.name, old.parent.name) == ("Thị trấn Mường Chà", "Huyện Mường Chà")
    assert (new.name, new.parent.name) == ("Xã Na Sang", "Tỉnh Điện Biên")
    # The old Xã Na Sang had another code, and the new Xã Mường Chà took a third one.
    assert Unit.objects.get(scheme=Scheme.GSO2004, name="Xã Na Sang").code == "03201"
    assert Unit.objects.get(scheme=Scheme.GSO2025, name="Xã Mường Chà").code == "03166"


@pytest.mark.django_db
def test_all_loads_63_old_and_34_new_provinces():
    load_units("--all")
    old = Unit.objects.filter(scheme=Scheme.GSO2004)
    new = Unit.objects.filter(scheme=Scheme.GSO2025)
    assert old.filter(level=Level.PROVINCE).count() == 63
    assert new.filter(level=Level.PROVINCE).count() == 34
    assert new.filter(level=Level.DISTRICT).count() == 0
    assert old.filter(level=Level.COMMUNE).count() == 10051
    assert new.filter(level=Level.COMMUNE).count() == 3321
    # A code reused across provinces: Hà Giang's old ward became a code of the new Tuyên Quang.
    reused = Unit.objects.filter(level=Level.COMMUNE, code="00691").order_by("scheme")
    assert [(u.scheme, u.name, u.parent.parent_id is None) for u in reused] == [
        (Scheme.GSO2004, "Phường Trần Phú", False),
        (Scheme.GSO2025, "Phường Hà Giang 2", True),
    ]
    # Split communes and special zones come through.
    assert UnitSuccession.objects.filter(partial=True, predecessor__level=Level.COMMUNE).exists()
    assert new.get(name="Đặc khu Côn Đảo").name_key == "con dao"
    units, links = Unit.objects.count(), UnitSuccession.objects.count()
    load_units("--all")
    assert (Unit.objects.count(), UnitSuccession.objects.count()) == (units, links)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args", [(), ("--all", "--province", DIEN_BIEN), ("--province", "99")], ids=str
)
def test_exactly_one_known_selection_is_required(args):
    with pytest.raises(CommandError):
        load_units(*args)
    assert not Unit.objects.exists()
