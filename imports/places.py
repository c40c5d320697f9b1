"""The districts and communes a report names, found among the units of its date.

Each unknown name is refused with the closest known names as a suggestion; a district named in a
report from 1/7/2025 is refused (there are none after the reform). Messages speak of the units of
the report's date: no "huyện" in the advice given after the reform.
"""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext_lazy as _

from units.domain.names import fold
from units.models import REFORM_DATE, Level, Unit

from .dates import date_text
from .reference import Match, UnitIndex

NOT_A_COMMUNE = _("%(name)s is not a commune of %(parent)s on %(date)s.")
NOT_A_COMMUNE_CLOSEST = _(
    "%(name)s is not a commune of %(parent)s on %(date)s. Closest known names: %(closest)s."
)
NOT_A_DISTRICT = _("%(name)s is not a district of %(parent)s on %(date)s.")
NOT_A_DISTRICT_CLOSEST = _(
    "%(name)s is not a district of %(parent)s on %(date)s. Closest known names: %(closest)s."
)
AMBIGUOUS_UNIT = _(
    "%(name)s could be any of %(closest)s: write the name with its kind (%(kinds)s…)."
)
DISTRICT_AFTER_REFORM = _(
    "There are no districts from 1/7/2025: a report for %(date)s lists communes directly."
)
DISTRICT_COLUMN_AFTER_REFORM = _(
    "There are no districts from 1/7/2025: a report for %(date)s names communes, wards and "
    "special zones only. If this column only recalls the former districts, delete it, or choose "
    "“— not imported —” for it under “Which column is which”."
)
TOWNSHIP_AFTER_REFORM = _(
    "There are no townships (thị trấn) from 1/7/2025: a report for %(date)s names the commune "
    "as it is now, %(commune)s."
)
# "Thị trấn Tủa Chùa", "TT. Tủa Chùa", "TT Tủa Chùa" (folded): a township, before the reform.
TOWNSHIP_NAME = re.compile(r"^(?:thi tran|tt\.?)\s*(?=\w)")
KINDS_BEFORE_REFORM = "Xã, Huyện"
KINDS_AFTER_REFORM = "Xã, Phường"

# What a lookup found: the unit, or the message refusing the name (text, params).
Found = tuple[Unit | None, tuple | None]


class UnitFinder:
    """Districts and communes by name at the report's date, under the report's province."""

    def __init__(self, units: UnitIndex, date: datetime.date, province: Unit) -> None:
        self.units = units
        self.date = date
        self.province = province
        self.after_reform = date >= REFORM_DATE

    def district(self, name: str, *, in_column: bool = False) -> Found:
        """A district by name; after the reform none, refused (a district then may mean a
        misdated report). A district column is said how to leave out: staff keep the former
        district beside the commune ("Huyện (cũ)")."""
        if self.after_reform:
            text = DISTRICT_COLUMN_AFTER_REFORM if in_column else DISTRICT_AFTER_REFORM
            return None, (text, {"date": date_text(self.date)})
        match = self.units.find(name, Level.DISTRICT, self.province.id)
        return self._found(match, name, self.province, Level.DISTRICT)

    def commune(self, name: str, parent: Unit | None) -> Found:
        parent = parent or self.province
        folded = fold(name) if self.after_reform else ""
        if township := TOWNSHIP_NAME.match(folded):
            return self._township(name, folded[township.end() :], parent)
        match = self.units.find(name, Level.COMMUNE, parent.id)
        return self._found(match, name, parent, Level.COMMUNE)

    def _township(self, name: str, rest: str, parent: Unit) -> Found:
        """A thị trấn named in a report from 1/7/2025, when there are none (docs/domain.md §4):
        refused, naming the commune of today that has its name, rather than read as that
        commune silently (it took in other communes too); the usual refusal when none has."""
        match = self.units.find(rest, Level.COMMUNE, parent.id)
        if match.found is None:
            return self._found(match, name, parent, Level.COMMUNE)
        params = {"date": date_text(self.date), "commune": match.found.name}
        return None, (TOWNSHIP_AFTER_REFORM, params)

    def district_of(self, commune: Unit) -> Unit | None:
        """A commune's district; none after the reform."""
        return None if self.after_reform else self.units.parent(commune)

    def _found(self, match: Match, name: str, parent: Unit, level: str) -> Found:
        if match.found is not None:
            return match.found, None
        params = {"name": name, "parent": parent.name, "date": date_text(self.date)}
        params["closest"] = ", ".join(match.closest)
        if match.ambiguous:
            params["kinds"] = KINDS_AFTER_REFORM if self.after_reform else KINDS_BEFORE_REFORM
            return None, (AMBIGUOUS_UNIT, params)
        if level == Level.DISTRICT:
            return None, (NOT_A_DISTRICT_CLOSEST if match.closest else NOT_A_DISTRICT, params)
        return None, (NOT_A_COMMUNE_CLOSEST if match.closest else NOT_A_COMMUNE, params)
