"""The coverage table's filters (issue 4): one FilterSet owns every query-string parameter.

The table has two kinds of rows, with the same filters:
- grouping `village`: one `VillagePlacement` per village, in its commune at the date, annotated
  with `status` and `members` from the village's figure for that period (see
  units.reads.coverage_table);
- groupings `commune`, `district`, `province`: the precomputed `Coverage` rows of those units.
The date and the grouping choose which rows exist, so `coverage_table` builds the rows from them
first and then hands the rows to `filter_queryset`.
"""

from __future__ import annotations

import datetime
import functools

import django_filters
import django_filters.constants
from django import forms
from django.db.models import Case, F, Q, QuerySet, TextChoices, When
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ChoiceField, ModelChoiceField

from units.domain.names import (
    COMMUNE_KINDS,
    DISTRICT_KINDS,
    PROVINCE_KINDS,
    fold,
    name_key,
    strip_kind,
)
from units.models import (
    REFORM_DATE,
    Coverage,
    Level,
    Period,
    Scheme,
    Status,
    Unit,
    VillagePlacement,
    level_headings,
)
from units.reads.counts import count_read
from units.reads.dates import BadDate, parse_date
from units.reads.lineage import UnitElsewhere, units_standing_for
from units.reads.village_lists import units_within
from units.templatetags.coverage import count_in
from units.widgets import ListedSelect


class Group(TextChoices):
    """What one row of the table is."""

    VILLAGE = "village", _("Village")
    COMMUNE = "commune", _("Commune")
    DISTRICT = "district", _("District")
    PROVINCE = "province", _("Province")


DEFAULT_GROUP = Group.COMMUNE
COUNT_COLUMNS = ("villages", "own_cell", "joined", "no_members", "not_reported")
# Shares of the reported villages, in per cent (units.reads.coverage_table annotates them).
SHARE_COLUMNS = ("own_cell_share", "member_share")

# Sort keys a visitor may ask for, per grouping (`-` in front for descending); anything else is
# refused by the form, so no parameter reaches order_by() unchecked.
SORT_KEYS = {
    Group.VILLAGE: ("name", "commune", "district", "province", "status", "members"),
    Group.COMMUNE: ("name", "district", "province", *COUNT_COLUMNS, "members", *SHARE_COLUMNS),
    Group.DISTRICT: ("name", "province", *COUNT_COLUMNS, "members", *SHARE_COLUMNS),
    Group.PROVINCE: ("name", *COUNT_COLUMNS, "members", *SHARE_COLUMNS),
}
ALL_SORT_KEYS = tuple(dict.fromkeys(key for keys in SORT_KEYS.values() for key in keys))


# The members filters take a count: a whole number, never negative. The top is the largest
# integer a database column holds here, so no value reaches the query that the database would
# refuse (SQLite raises on a larger Python int).
MEMBERS_AT_MOST = 2_147_483_647
MEMBERS_ERRORS = {
    "invalid": _("Enter a whole number of members (0, 1, 2, …), with no decimals."),
    "min_value": _("A number of members cannot be negative: enter 0 or more."),
    "max_value": _("Enter a number of members of at most %(limit_value)s."),
}


class CountField(forms.IntegerField):
    """A whole number as people of the page's language write it: "1.000" is a thousand on the
    Vietnamese site, "1,000" on the English (units.reads.counts). Django's IntegerField reads
    "1.000" as 1, dropping what it takes for zero decimals.

    Typed in a text box, as Django does for localized numbers: a number box (type="number")
    refuses "1 000" and "1,000" in some browsers and sends nothing, and shows nothing of a value
    it cannot read, where the form must show what was typed beside its error. inputmode brings
    up the digits on a phone (GOV.UK Design System, "Text input: numbers")."""

    def __init__(self, **kwargs):
        super().__init__(localize=True, **kwargs)

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return count_read(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def widget_attrs(self, widget) -> dict:
        return super().widget_attrs(widget) | {"inputmode": "numeric"}


# A unit none of whose villages was reported at the date (`Coverage.reported` is 0): its stored
# members and counts by status are no figures, shown as "—" (`Coverage.known`).
NOTHING_REPORTED = Q(villages=F("not_reported"))


class MembersFilter(django_filters.NumberFilter):
    """A number of members: django-filter's NumberFilter takes any decimal ("2.5 members")."""

    field_class = CountField

    def __init__(self, *, label, lookup_expr: str):
        super().__init__(
            label=label,
            field_name="members",
            lookup_expr=lookup_expr,
            min_value=0,
            max_value=MEMBERS_AT_MOST,
            error_messages=MEMBERS_ERRORS,
        )

    def filter(self, qs: QuerySet, value) -> QuerySet:
        """A unit none of whose villages was reported has no number of members (its stored 0
        shows as "—"): no range matches it."""
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        if qs.model is not VillagePlacement:
            qs = qs.exclude(NOTHING_REPORTED)
        return super().filter(qs, value)


class ReportingDateField(ChoiceField):
    """A reporting date of the table: one that is none is refused saying what was wrong, the
    date written as people read it (31/12/2017, not 2017-12-31)."""

    def validate(self, value) -> None:
        try:
            super().validate(value)
        except forms.ValidationError:
            raise forms.ValidationError(_date_refused(value), code="invalid_choice") from None


def _date_refused(value: str) -> str:
    try:
        date = parse_date(value)
    except BadDate:
        return _("“%(value)s” is not a date: choose one of the dates listed.") % {"value": value}
    # A valid day refused: the filter set already moved any day after the first reporting
    # date to the one before it, so this one is before every date with figures.
    return _("No coverage figures at or before %(date)s: choose one of the dates listed.") % {
        "date": date_format(date, "SHORT_DATE_FORMAT")
    }


class ReportingDateFilter(django_filters.ChoiceFilter):
    field_class = ReportingDateField


# What a place filter naming no unit of its level says (the filters take a unit's id).
UNKNOWN_PLACE = {
    Level.PROVINCE: _("No province has the id “%(value)s”: choose one from the list."),
    Level.DISTRICT: _("No district has the id “%(value)s”: choose one from the list."),
    Level.COMMUNE: _("No commune has the id “%(value)s”: choose one from the list."),
}


class UnitChoiceField(ModelChoiceField):
    """A unit by id, labelled with code and scheme: two units are named "Tỉnh Điện Biên"."""

    widget = ListedSelect

    def label_from_instance(self, unit: Unit) -> str:
        return f"{unit.name} ({unit.code}, {scheme_labels(get_language())[unit.scheme]})"


@functools.cache
def scheme_labels(language: str | None) -> dict[str, str]:
    """`Unit.get_scheme_display()` of each scheme, translated once per language: a place list
    labels up to 300 units (issue 10)."""
    return {scheme.value: str(scheme.label) for scheme in Scheme}


class UnitFilter(django_filters.ModelChoiceFilter):
    field_class = UnitChoiceField


def units_of(level: str):
    """The place filters' querysets, made when a filter set is: django-filter deep-copies every
    filter of every FilterSet it builds, and a QuerySet's copy clones its whole query (a third
    of the coverage table's filter cost, issue 10); a function copies for nothing."""
    return lambda request: units_at(level)


def units_at(level: str) -> QuerySet[Unit]:
    """Every unit of a level: what the filter accepts (a permalink may name a unit of the other
    scheme; the table then says which units stood for it). The drop-downs list fewer."""
    return (
        Unit.objects.filter(level=level)
        .select_related("parent__parent")
        .order_by("sort_key", "scheme", "code")
    )


# A place list longer than this is not shown whole: 10,000 communes in one drop-down are of no
# use to anyone and take seconds to render. The list follows the place chosen above it instead.
PLACES_LISTED_AT_MOST = 300


class CoverageForm(forms.Form):
    """The filters' form: a members range typed the wrong way round matches no row, so it is
    refused with the reason rather than shown as an empty table."""

    def clean(self) -> dict:
        cleaned = super().clean()
        least, most = cleaned.get("members_min"), cleaned.get("members_max")
        if least is not None and most is not None and most < least:
            message = _(
                "“At most” (%(most)s) is less than “at least” (%(least)s): no row can match. "
                "Swap the two numbers."
            )
            self.add_error(
                "members_max",
                forms.ValidationError(
                    message
                    % {
                        "most": count_in(most, get_language()),
                        "least": count_in(least, get_language()),
                    },
                    code="members_range",
                ),
            )
        return cleaned


def _sort_choices() -> list[tuple[str, str]]:
    choices = []
    for key in ALL_SORT_KEYS:
        choices.append((key, key))
        choices.append((f"-{key}", f"-{key}"))
    return choices


class CoverageFilter(django_filters.FilterSet):
    date = ReportingDateFilter(
        widget=ListedSelect,
        label=_("Figures at"),
        method="already_applied",
        empty_label=None,
    )
    group = django_filters.ChoiceFilter(
        widget=ListedSelect,
        label=_("One row per"),
        choices=Group.choices,
        method="already_applied",
        empty_label=None,
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is no grouping: choose one row per village, commune, district or "
                "province."
            )
        },
    )
    province = UnitFilter(
        label=_("Province"),
        queryset=units_of(Level.PROVINCE),
        method="filter_place",
        empty_label=_("All"),
        error_messages={"invalid_choice": UNKNOWN_PLACE[Level.PROVINCE]},
    )
    district = UnitFilter(
        label=_("District"),
        queryset=units_of(Level.DISTRICT),
        method="filter_place",
        empty_label=_("All"),
        error_messages={"invalid_choice": UNKNOWN_PLACE[Level.DISTRICT]},
    )
    commune = UnitFilter(
        label=_("Commune"),
        queryset=units_of(Level.COMMUNE),
        method="filter_place",
        empty_label=_("All"),
        error_messages={"invalid_choice": UNKNOWN_PLACE[Level.COMMUNE]},
    )
    status = django_filters.ChoiceFilter(
        widget=ListedSelect,
        label=_("Status"),
        choices=Status.choices,
        method="filter_status",
        empty_label=_("All"),
        error_messages={
            "invalid_choice": _("No status is called “%(value)s”: choose one from the list.")
        },
    )
    members_min = MembersFilter(label=_("Members, at least"), lookup_expr="gte")
    members_max = MembersFilter(label=_("Members, at most"), lookup_expr="lte")
    q = django_filters.CharFilter(label=_("Name contains"), method="filter_name", max_length=120)
    sort = django_filters.ChoiceFilter(
        widget=ListedSelect,
        label=_("Sort by"),
        choices=_sort_choices,
        method="filter_sort",
        empty_label=_("Default"),
        error_messages={
            "invalid_choice": _(
                "The table cannot be sorted by “%(value)s”: sort by a column's heading."
            )
        },
    )

    class Meta:
        model = Coverage  # unused: the rows come from units.reads.coverage_table.coverage_rows
        fields: list[str] = []
        form = CoverageForm

    def __init__(self, data, *, periods: list[Period]):
        """`periods`: the dates with coverage, oldest first; the latest is the default date.

        A day that is not a reporting date stands for the nearest earlier one (`requested_date`
        keeps the day asked for, so the page can say so)."""
        data = data.copy()
        self.periods = {period.date.isoformat(): period for period in periods}
        self.requested_date: datetime.date | None = None
        self.stood_for: dict[str, UnitElsewhere] = {}  # place filters naming another scheme
        if not data.get("date") and periods:
            data["date"] = periods[-1].date.isoformat()
        elif data.get("date") not in self.periods:
            self._nearest_earlier(data, periods)
        if not data.get("group"):
            data["group"] = DEFAULT_GROUP
        super().__init__(data)
        # Labels formatted only if the form is drawn: the exports validate the date, never
        # show it (40 dates formatted were a fifth of a CSV export's filter cost, issue 10).
        self.filters["date"].extra["choices"] = [
            (iso, lazy_str(date_label, period)) for iso, period in reversed(self.periods.items())
        ]

    def _nearest_earlier(self, data, periods: list[Period]) -> None:
        try:
            asked = parse_date(data.get("date"))
        except BadDate:
            return  # the form refuses it, with its message
        earlier = [p for p in periods if p.date < asked]
        if earlier:
            self.requested_date = asked
            data["date"] = earlier[-1].date.isoformat()

    def place_lists_narrow(self) -> None:
        """List in the drop-downs only the units that exist at the table's date, and only the
        districts and communes inside the place chosen above (what the filters accept is
        unchanged: a permalink to any commune still works, and stays selected)."""
        date = self._date()
        chosen = {level: self._chosen(level) for level in ("province", "district", "commune")}
        for level in ("province", "district", "commune"):
            field = self.form.fields[level]
            field.queryset = _existing_or_chosen(field.queryset, date, chosen[level])
        for level, above in (("district", ("province",)), ("commune", ("district", "province"))):
            field = self.form.fields[level]
            places = [self._standing(chosen[name], name) for name in above]
            inside = _units_inside(field.queryset, places, chosen[level])
            listed = field.queryset if inside is None else inside
            if listed.count() > PLACES_LISTED_AT_MOST:  # Hà Nội alone has 580 communes
                listed = field.queryset.filter(pk__in=[chosen[level].pk] if chosen[level] else [])
                # The bound field copied the help text when the form was validated.
                self.form[level].help_text = _("Choose a place above to list its units here.")
            field.queryset = listed
        for level in ("province", "district", "commune"):
            # Listed, not filtered by: a name, a code and a scheme per unit, no ancestors.
            field = self.form.fields[level]
            field.queryset = field.queryset.select_related(None).only("name", "code", "scheme")
        self._groups_narrow(date)
        self._levels_named(date or self._latest_date())

    def _date(self) -> datetime.date | None:
        data = getattr(self.form, "cleaned_data", {})
        period = self.periods.get(data.get("date"))
        return period.date if period else None

    def _standing(self, unit: Unit | None, level: str) -> list[Unit] | Unit | None:
        """The chosen place, or the units that stood for it at the date (another scheme's)."""
        if level in self.stood_for:
            return self.stood_for[level].standing
        return unit

    def _groups_narrow(self, date: datetime.date | None) -> None:
        """No "one row per district" after 1/7/2025, unless a permalink asks for it."""
        field = self.form.fields["group"]
        if date is not None and date >= REFORM_DATE and self._chosen("group") != Group.DISTRICT:
            field.choices = [(v, label) for v, label in field.choices if v != Group.DISTRICT]

    def _levels_named(self, date: datetime.date | None) -> None:
        """The place filters and the groupings named as the table's columns are at the date:
        "Xã, phường, thị trấn" before 1/7/2025, "Xã, phường, đặc khu" from it, not "Xã" over
        wards and townships; "Huyện, thị xã, thành phố" over towns and cities too."""
        if date is None:
            return
        names = {level: level_headings(level, date).name for level in ("commune", "district")}
        for level, name in names.items():
            # The bound field copied the label when the form was validated.
            self.form.fields[level].label = self.form[level].label = name
        field = self.form.fields["group"]
        field.choices = [(value, names.get(value, label)) for value, label in field.choices]

    def _latest_date(self) -> datetime.date | None:
        """The date the form shows when the one asked for was refused: the first listed."""
        return max((period.date for period in self.periods.values()), default=None)

    @property
    def district_filter_unused(self) -> bool:
        """No "District" drop-down after 1/7/2025 (it would list none), unless one is chosen."""
        date = self._date()
        return (
            date is not None
            and date >= REFORM_DATE
            and self._chosen("district") is None
            and getattr(self.form, "cleaned_data", {}).get("group") != Group.DISTRICT
        )

    @property
    def no_districts_then(self) -> bool:
        """One row per district asked for at a date after the reform: there are none."""
        date = self._date()
        return self.grouping == Group.DISTRICT and date is not None and date >= REFORM_DATE

    def _chosen(self, level: str) -> Unit | None:
        data = getattr(self.form, "cleaned_data", {})
        return data.get(level)

    @property
    def period(self) -> Period:
        return self.periods[self.form.cleaned_data["date"]]

    @property
    def grouping(self) -> Group:
        return Group(self.form.cleaned_data["group"])

    def already_applied(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """The date and the grouping chose the rows before filtering (see `coverage_table`)."""
        return queryset

    def filter_place(self, queryset: QuerySet, name: str, unit: Unit) -> QuerySet:
        """Rows inside the chosen unit, or the row of the unit that contains it.

        With one row per district and a commune chosen, the row is that commune's district.
        """
        date = self.period.date
        places = [unit]
        if not unit.is_valid_on(date):  # a unit of the other scheme: the units that stood for it
            self.stood_for[name] = units_standing_for(unit, date)
            places = self.stood_for[name].standing
        return queryset.filter(_rows_around(_unit_path(queryset), places))

    def filter_status(self, queryset: QuerySet, name: str, status: str) -> QuerySet:
        """A village with that status; a unit with at least one such village."""
        if queryset.model is VillagePlacement:
            return queryset.filter(status=status)
        return queryset.filter(**{f"{status}__gt": 0})

    def filter_name(self, queryset: QuerySet, name: str, text: str) -> QuerySet:
        """Without diacritics and without the kind: "nam cang" finds "Bản Nậm Cang 1"."""
        if queryset.model is VillagePlacement:
            return queryset.filter(village__name_key__contains=name_key(text))
        key = strip_kind(fold(text), (*COMMUNE_KINDS, *DISTRICT_KINDS, *PROVINCE_KINDS))
        return queryset.filter(unit__name_key__contains=key)

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        key = value.removeprefix("-")
        if key not in SORT_KEYS[self.grouping]:
            return queryset  # a column this grouping does not show: keep the default order
        descending = value.startswith("-")
        return queryset.order_by(
            *(
                expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
                for expression in _sort_expressions(queryset, key)
            ),
            *queryset.query.order_by,
        )


def date_label(period: Period) -> str:
    return f"{date_format(period.date, 'SHORT_DATE_FORMAT')} ({period.label})"


lazy_str = lazy(lambda function, *args: function(*args), str)


def _rows_around(path: str, places: list[Unit]) -> Q:
    """Rows inside any of the places, or the rows of the units that contain them. No place:
    no row (a unit that nothing stood for at the date).

    One IN over a subquery of units: the rows are then found through their unit's index. An OR
    over the rows' joined parents scanned every village placement (0.4 s at national scale,
    bench/README.md)."""
    units = Unit.objects.none()
    for place in places:
        around = [place.id]
        parent = place.parent
        while parent is not None:
            around.append(parent.id)
            parent = parent.parent
        units = units | units_within(place) | Unit.objects.filter(pk__in=around)
    return Q(**{f"{path}__in": units.values("id")})


def _existing_or_chosen(units: QuerySet, date: datetime.date | None, chosen: Unit | None):
    """The units that exist at the date, and the chosen one whatever its dates."""
    if date is None:
        return units
    return units.valid_on(date) | units.filter(pk=getattr(chosen, "pk", None))


def _units_inside(units: QuerySet, above: list, chosen: Unit | None):
    """The units of `units` inside the nearest chosen place above (or inside the units that
    stood for it), or beside the chosen unit; None when nothing narrows the list."""
    place = next((unit for unit in above if unit), None)
    if place is not None:
        places = place if isinstance(place, list) else [place]
        return units.filter(
            Q(parent__in=places) | Q(parent__parent__in=places) | Q(pk=getattr(chosen, "pk", None))
        )
    if chosen is not None and chosen.parent_id is not None:
        return units.filter(parent_id=chosen.parent_id)
    return None


def _unit_path(queryset: QuerySet) -> str:
    """The lookup of the row's administrative unit: its commune for a village."""
    return "commune" if queryset.model is VillagePlacement else "unit"


def _sort_expressions(queryset: QuerySet, key: str) -> list[F]:
    if key == "name":  # Vietnamese alphabetical order (units.domain.names.sort_key)
        field = "village__sort_key" if queryset.model is VillagePlacement else "unit__sort_key"
        return [F(field)]
    if key in ("commune", "district", "province"):
        return [F(f"{key}_key")]
    if key == "status":
        # From the best to the worst, as the table's columns go; not reported last either way.
        ranks = [Status.OWN_CELL, Status.JOINED, Status.NO_MEMBERS]
        return [Case(*(When(status=status, then=rank) for rank, status in enumerate(ranks)))]
    if key in Coverage.REPORTED_FIGURES and queryset.model is not VillagePlacement:
        # A unit none of whose villages was reported has no members nor counts by status to
        # show: last, as "—" (Coverage.known).
        return [Case(When(NOTHING_REPORTED, then=None), default=F(key))]
    return [F(key)]
