"""The administrative units, the villages under them, and the figures reported for each date.

Identity rules (docs/domain.md §4):
- an administrative unit is identified by its scheme *and* code: the 2025 reform reused about
  3,300 commune codes for different communes;
- a village (thôn, bản, tổ dân phố) has no national code; it keeps its identity across the reform
  and moves commune through `VillagePlacement`.
Members are counts only: nothing here describes a person (Decree 13/2023/NĐ-CP).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import F, Q
from django.utils.functional import Promise
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# The last day of the three-level structure and the first of the two-level one.
REFORM_DATE = datetime.date(2025, 7, 1)
LAST_DAY_BEFORE_REFORM = datetime.date(2025, 6, 30)


class Scheme(models.TextChoices):
    """Which coding of administrative units a unit belongs to."""

    GSO2004 = "gso2004", _("Three levels (before 1/7/2025)")
    GSO2025 = "gso2025", _("Two levels (from 1/7/2025)")


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


# A level as a unit page heads it: "Cấp xã", not the label "Xã", which a ward (phường) or a
# special zone (đặc khu) is not (docs/domain.md §2, §4).
LEVEL_NAMES = {
    Level.PROVINCE: pgettext_lazy("level of a unit", "Province level"),
    Level.DISTRICT: pgettext_lazy("level of a unit", "District level"),
    Level.COMMUNE: pgettext_lazy("level of a unit", "Commune level"),
}


@dataclass(frozen=True)
class LevelHeadings:
    """What a column of a level's units and the column of their codes are headed."""

    name: Promise
    code: Promise


# A column of communes is headed by the kinds the level has at the date, not "Xã" over wards
# (phường), townships (thị trấn) and special zones (đặc khu) (docs/domain.md §2, §4).
COMMUNE_HEADINGS_BEFORE_REFORM = LevelHeadings(
    pgettext_lazy("column: communes before 1/7/2025", "Commune, ward, township"),
    pgettext_lazy("column: communes before 1/7/2025", "Code of commune, ward, township"),
)
COMMUNE_HEADINGS_FROM_REFORM = LevelHeadings(
    pgettext_lazy("column: communes from 1/7/2025", "Commune, ward, special zone"),
    pgettext_lazy("column: communes from 1/7/2025", "Code of commune, ward, special zone"),
)


def commune_headings(date: datetime.date) -> LevelHeadings:
    if date >= REFORM_DATE:
        return COMMUNE_HEADINGS_FROM_REFORM
    return COMMUNE_HEADINGS_BEFORE_REFORM


# The district level held towns (thị xã) and cities (thành phố) beside the districts (huyện):
# its column is headed by all three, not "Huyện" over Thành phố Điện Biên Phủ. There is no such
# level from 1/7/2025 (docs/domain.md §4).
DISTRICT_HEADINGS = LevelHeadings(
    pgettext_lazy("column: district-level units", "District, town, city"),
    pgettext_lazy("column: district-level units", "Code of district, town, city"),
)


def level_headings(level: str, date: datetime.date) -> LevelHeadings | None:
    """The headings of a column of communes or districts at the date (None for other levels,
    whose one word covers every unit of them): what tables, exports, filters and groupings
    call them."""
    if level == "commune":
        return commune_headings(date)
    if level == "district":
        return DISTRICT_HEADINGS
    return None


class Status(models.TextChoices):
    """A village's party coverage at one date."""

    OWN_CELL = "own_cell", _("Own cell")  # có chi bộ độc lập
    JOINED = "joined", _("Joined cell")  # sinh hoạt ghép
    NO_MEMBERS = "no_members", _("No members")  # bản "trắng" đảng viên
    NOT_REPORTED = "not_reported", _("Not reported")  # chưa báo cáo: never shown as zero


class Qualifier(models.TextChoices):
    """How exact a published figure is: "> 45,000" and "about 46,000" are not 45,000 and 46,000."""

    EXACT = "exact", _("exact")
    AT_LEAST = "at_least", _("more than")
    ABOUT = "about", _("about")


def valid_between(start: datetime.date, end: datetime.date | None, date: datetime.date) -> bool:
    """The rule of `valid_on`, for values already in hand: from `start` to `end` inclusive,
    open-ended when `end` is None."""
    return start <= date and (end is None or date <= end)


def _valid_on(date: datetime.date, prefix: str = "") -> Q:
    """Valid on `date`: from `valid_from` to `valid_to` inclusive, open-ended when it is None."""
    return Q(**{f"{prefix}valid_from__lte": date}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": date})
    )


class UnitQuerySet(models.QuerySet):
    def valid_on(self, date: datetime.date) -> UnitQuerySet:
        return self.filter(_valid_on(date))

    def provinces(self) -> UnitQuerySet:
        return self.filter(level=Level.PROVINCE)


class Unit(models.Model):
    """A province, district or commune, in one scheme, over the dates it existed."""

    scheme = models.CharField(max_length=8, choices=Scheme.choices)
    level = models.CharField(max_length=8, choices=Level.choices)
    code = models.CharField(max_length=8)
    name = models.CharField(max_length=120)  # with its kind: "Huyện Mường Chà", "Xã Mường Tùng"
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    # Lower-case, no diacritics: for matching report names and for search.
    name_key = models.CharField(max_length=120, db_index=True)
    # Vietnamese alphabetical order: units.domain.names.unit_sort_key(name, level).
    sort_key = models.CharField(max_length=400)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["scheme", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "level", "code"], name="unit_scheme_code"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="unit_valid_range",
            ),
            # No district survives the reform (docs/domain.md §4).
            models.CheckConstraint(
                condition=~Q(level="district")
                | Q(valid_to__isnull=False, valid_to__lte=LAST_DAY_BEFORE_REFORM),
                name="district_ends_before_reform",
            ),
            # Every path that writes a unit sets its sort key (lists are ordered by it).
            models.CheckConstraint(condition=~Q(sort_key=""), name="unit_sort_key_set"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    def is_valid_on(self, date: datetime.date) -> bool:
        return valid_between(self.valid_from, self.valid_to, date)


class UnitSuccession(models.Model):
    """An old unit continued (wholly or in part) by a new one from `date` (the crosswalk)."""

    predecessor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="successions")
    successor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="predecessions")
    date = models.DateField()
    partial = models.BooleanField(default=False)  # the old unit was split between new ones
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="unit_succession_once"
            ),
        ]


class VillageQuerySet(models.QuerySet):
    def valid_on(self, date: datetime.date) -> VillageQuerySet:
        """The villages that existed on `date` (not yet merged away, already formed)."""
        return self.filter(_valid_on(date))


class Village(models.Model):
    """A thôn, bản or tổ dân phố. Not an administrative unit: no national code.

    Its life over time follows the rules of docs/village-identity.md: a village known only from
    reports (`from_reports`) starts at its earliest report; any other (a merge's result, a
    record) starts at `valid_from` as recorded.
    """

    name = models.CharField(max_length=120)  # as commonly written, with its kind: "Bản Nậm Cang 1"
    name_key = models.CharField(max_length=120, db_index=True)  # see units.domain.names.name_key
    sort_key = models.CharField(max_length=400)  # units.domain.names.sort_key(name)
    code = models.CharField(max_length=20, blank=True)  # "Mã thôn" when a province keeps one
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)  # the day before it was merged away
    # Invented by the demo or the benchmark: pages showing it say so (Coverage.synthetic).
    synthetic = models.BooleanField(default=False)
    # Created by an import: its start and its placements follow its figures (see
    # units.domain.lifetimes) and it goes when no figure is left.
    from_reports = models.BooleanField(default=False)

    objects = VillageQuerySet.as_manager()

    class Meta:
        ordering = ["sort_key", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="village_valid_range",
            ),
            models.CheckConstraint(condition=~Q(sort_key=""), name="village_sort_key_set"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, date: datetime.date) -> bool:
        return valid_between(self.valid_from, self.valid_to, date)


class VillagePlacementQuerySet(models.QuerySet):
    def valid_on(self, date: datetime.date) -> VillagePlacementQuerySet:
        """The placements that count on `date`: the placement and its village both valid then.

        The one rule for "village placed in a commune at a date": the coverage rebuild counts
        these, the coverage table lists them, the importer matches against them.
        """
        return self.filter(_valid_on(date), _valid_on(date, "village__"))


class VillagePlacement(models.Model):
    """Which commune a village belonged to, and when: villages moved commune on 1/7/2025."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="placements")
    commune = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="placements")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    # Derived from the village's figures by units.domain.lifetimes (and redone there); False:
    # a record (a move on 1/7/2025, a merge), which imports never change.
    from_reports = models.BooleanField(default=False)

    objects = VillagePlacementQuerySet.as_manager()

    class Meta:
        ordering = ["valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["village", "valid_from"], name="placement_once"),
        ]


class VillageSuccession(models.Model):
    """Villages merged: each predecessor is continued by the successor from `date`."""

    predecessor = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="successions")
    successor = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="predecessions")
    date = models.DateField()
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="village_succession_once"
            ),
        ]


class Period(models.Model):
    """A reporting date: a quarter end (2017Q4), a year end (2017) or an ad-hoc date."""

    class Kind(models.TextChoices):
        QUARTER = "quarter", _("Quarter")
        YEAR = "year", _("Year")
        DATE = "date", _("Date")

    date = models.DateField(unique=True)
    label = models.CharField(max_length=20)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.DATE)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return self.label


class VillageFigure(models.Model):
    """One village at one reporting date, as reported (with the commune it was reported under)."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="figures")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="village_figures")
    commune = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices)
    members = models.PositiveIntegerField(null=True, blank=True)  # null only when not reported
    full_members = models.PositiveIntegerField(null=True, blank=True)  # chính thức
    probationary_members = models.PositiveIntegerField(null=True, blank=True)  # dự bị
    joined_with = models.ForeignKey(  # the village whose cell it attends, when known
        Village, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_with_name = models.CharField(max_length=120, blank=True)  # as written in the report
    admissions = models.PositiveIntegerField(null=True, blank=True)  # kết nạp mới trong kỳ
    import_run = models.ForeignKey(
        "imports.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["village", "period"], name="one_figure_per_village_date"
            ),
            models.CheckConstraint(
                condition=Q(status="not_reported", members__isnull=True)
                | Q(members__isnull=False) & ~Q(status="not_reported"),
                name="members_known_unless_not_reported",
            ),
            models.CheckConstraint(
                condition=~Q(status="no_members") | Q(members=0), name="no_members_has_zero"
            ),
            models.CheckConstraint(
                condition=~Q(status="joined") | Q(members__gt=0), name="joined_has_members"
            ),
            # A cell needs at least 3 full members (Party Statute art. 21).
            models.CheckConstraint(
                condition=~Q(status="own_cell")
                | Q(members__gte=3) & (Q(full_members__isnull=True) | Q(full_members__gte=3)),
                name="own_cell_has_three_full_members",
            ),
            models.CheckConstraint(
                condition=Q(full_members__isnull=True)
                | Q(probationary_members__isnull=True)
                | Q(members=F("full_members") + F("probationary_members")),
                name="full_plus_probationary_is_members",
            ),
        ]
        indexes = [models.Index(fields=["period", "commune"])]


# A village figure's values, in the order the bulk writers give them (units.domain.rows): the
# importer (which adds its run), the national generator and the history of replaced figures.
VILLAGE_FIGURE_FIELDS = (
    "village",
    "period",
    "commune",
    "district",
    "status",
    "members",
    "full_members",
    "probationary_members",
    "joined_with",
    "joined_with_name",
    "admissions",
)


def _in_language(vietnamese: str, english: str) -> str:
    """The English text on the English site when there is one; the Vietnamese otherwise."""
    return english if english and (get_language() or "").startswith("en") else vietnamese


class Source(models.Model):
    """Where a published figure comes from. `title` is the Vietnamese (the source's own words),
    `title_en` the English for the English site (the original title with a gloss)."""

    key = models.CharField(max_length=40, blank=True)  # fixtures/published_figures.json's key
    title = models.CharField(max_length=300)
    title_en = models.CharField(max_length=400, blank=True)
    url = models.URLField(max_length=500, blank=True)
    published = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="source_key_once"),
        ]

    def __str__(self) -> str:
        return self.shown_title

    @property
    def shown_title(self) -> str:
        return _in_language(self.title, self.title_en)


class Metric(models.TextChoices):
    """Unit-level figures that villages cannot give, and published village counts."""

    GRASSROOTS_ORGS = "grassroots_orgs", _("Grassroots party organisations")  # TCCSĐ
    GRASSROOTS_COMMITTEES = "grassroots_committees", _("Grassroots party committees")
    GRASSROOTS_CELLS = "grassroots_cells", _("Grassroots party cells")  # chi bộ cơ sở
    CELLS_UNDER_COMMITTEES = "cells_under_committees", _("Cells under grassroots committees")
    DIRECT_COMMITTEES = "direct_committees", _("Committees directly under the province")
    MEMBERS = "members", _("Party members")
    ADMISSIONS = "admissions", _("Members admitted")
    VILLAGES_TOTAL = "villages_total", _("Villages")
    VILLAGES_NO_MEMBERS = "villages_no_members", _("Villages with no member")
    VILLAGES_WITHOUT_CELL = "villages_without_cell", _("Villages without their own cell")
    VILLAGES_JOINED = "villages_joined", _("Villages attending a joined cell")
    NEW_VILLAGE_CELLS = "new_village_cells", _("New independent village cells")
    NEW_CELLS = "new_cells", _("New village and health-station cells")
    JOINED_CELLS_CLOSED = "joined_cells_closed", _("Joined cells closed")
    CELLS_DISSOLVED = "cells_dissolved", _("Village cells dissolved")
    QUALITY_RATING = "quality_rating", _("Share of organisations rated in the top grade")


class UnitFigure(models.Model):
    """A figure for a whole unit at a date (or over a span ending at it), with its source."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="figures")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="unit_figures")
    metric = models.CharField(max_length=32, choices=Metric.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    qualifier = models.CharField(max_length=8, choices=Qualifier.choices, default=Qualifier.EXACT)
    span_start = models.DateField(null=True, blank=True)  # for flows: admissions in 2016–2017
    denominator = models.PositiveIntegerField(null=True, blank=True)  # "23 of 1,813"
    rating_scheme = models.CharField(max_length=40, blank=True)  # TSVM, QĐ 132, QĐ 124
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="figures")
    import_run = models.ForeignKey(
        "imports.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)  # in Vietnamese
    note_en = models.CharField(max_length=300, blank=True)
    # The yearly average as the source states it ("khoảng 2.247 đảng viên mỗi năm" for 8,990
    # over four years, where a division gives 2,248): shown instead of a computed one.
    stated_per_year = models.PositiveIntegerField(null=True, blank=True)
    stated_per_year_qualifier = models.CharField(
        max_length=8, choices=Qualifier.choices, blank=True
    )

    class Meta:
        ordering = ["period__date", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period", "metric", "source"], name="one_figure_per_source"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="unit_figure_not_negative"),
        ]

    @property
    def shown_note(self) -> str:
        return _in_language(self.note, self.note_en)


class Coverage(models.Model):
    """Village figures summed per unit and date: precomputed so no page sums villages per request.

    Rebuilt by `units.domain.coverage.coverage_rebuild` inside the transaction that changed the
    villages.
    `villages` is the denominator: every village placed in the unit at that date, reported or not.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="coverage")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="coverage")
    villages = models.PositiveIntegerField()
    own_cell = models.PositiveIntegerField()
    joined = models.PositiveIntegerField()
    no_members = models.PositiveIntegerField()
    not_reported = models.PositiveIntegerField()
    members = models.PositiveIntegerField()
    admissions = models.PositiveIntegerField()
    # Of `villages`, those invented by the demo or the benchmark (`Village.synthetic`): what
    # pages read to say whether the figures they show are synthetic (units.reads.provenance).
    synthetic = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="one_coverage_per_unit_date"),
            models.CheckConstraint(
                condition=Q(synthetic__lte=F("villages")), name="coverage_synthetic_counted"
            ),
            models.CheckConstraint(
                condition=Q(
                    villages=F("own_cell") + F("joined") + F("no_members") + F("not_reported")
                ),
                name="coverage_adds_up",
            ),
        ]

    @property
    def without_cell(self) -> int:
        """Villages without their own cell: joined + no members (docs/domain.md §1)."""
        return self.joined + self.no_members

    @property
    def reported(self) -> int:
        return self.villages - self.not_reported

    # The figures that count what was reported: unknown when no village was (docs/domain.md §1).
    REPORTED_FIGURES = ("own_cell", "joined", "no_members", "without_cell", "members", "admissions")

    def known(self, key: str) -> int | None:
        """A figure, or None when it counts reports and no village was reported: a unit whose
        villages all went unreported has 0 villages with a cell by no count (docs/domain.md §1,
        "A missing value"). The villages and those not reported are known either way."""
        if key in self.REPORTED_FIGURES and not self.reported:
            return None
        return getattr(self, key)


class DataVersion(models.Model):
    """One row, bumped in every transaction that changes what the public pages show.

    Pages and exports carry it in their ETag, so a browser or proxy revalidating a page gets the
    new figures as soon as the import transaction commits, and never a half-imported state.
    """

    number = models.PositiveBigIntegerField(default=0)
    changed = models.DateTimeField()
    # Whether any village is synthetic (the demo's, the benchmark's), set at each bump: the
    # site-wide provenance line (base.html) reads it with the version every request reads
    # anyway, instead of a query over the villages per page (units.domain.coverage).
    synthetic_villages = models.BooleanField(default=False)

    @classmethod
    def current(cls) -> DataVersion:
        version = cls.objects.filter(pk=1).first()
        return version or cls(
            pk=1, number=0, changed=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
        )
