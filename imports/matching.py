"""Match the rows of a village report to the villages the database knows: the step between
validation (`imports.validate`, which checks each row on its own) and the preview.

Each row is one village of its commune: a known one, found in `VillageIndex`, or a new one,
created on import (with a warning naming the closest known names, in case it is a typo). The
same village twice in one report is an error, however it is spelt.
"""

from __future__ import annotations

import datetime
from dataclasses import replace

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from units.domain.names import name_key

from .issues import Findings, Issue, names_listed
from .reference import Match, VillageIndex
from .validate import VillageEntry, VillageReport, date_text, entry_issue

DUPLICATE_VILLAGE = _(
    "%(name)s appears twice in this report for %(commune)s (first in sheet %(sheet)s, row %(row)s)."
)
NEW_VILLAGE = _("%(name)s is a new village in %(commune)s: it will be created.")
FIRST_VILLAGES = ngettext_lazy(
    "%(commune)s has no village known yet: its %(count)s village in this report will be "
    "created: %(names)s.",
    "%(commune)s has no village known yet: its %(count)s villages in this report will be "
    "created: %(names)s.",
    "count",
)
NEW_VILLAGE_CLOSEST = _(
    "%(name)s is a new village in %(commune)s: it will be created. If it is a typo, the closest "
    "known names are: %(closest)s."
)
LATER_VILLAGE = _(
    "%(name)s is a new village in %(commune)s: it will be created. %(village)s has that name but "
    "exists only from %(start)s, so it is not matched on %(date)s."
)
EARLIER_VILLAGE = _(
    "%(name)s is a new village in %(commune)s: it will be created. %(village)s has that name but "
    "existed only until %(end)s, so it is not matched on %(date)s."
)
AMBIGUOUS_VILLAGE = _(
    "Several villages of %(commune)s are called %(name)s: give the village code "
    "(Mã thôn) to tell them apart."
)


def villages_match(report: VillageReport, date: datetime.date, findings: Findings) -> VillageIndex:
    """Match every village row to a known village of its commune; warn about new ones; refuse
    the same village twice (however it is spelt: two spellings of one known village are one)."""
    index = VillageIndex(list(report.communes), date)
    keys = _name_keys(report.entries)
    seen: dict[tuple, VillageEntry] = {}
    first_villages: dict[int, list[VillageEntry]] = {}  # communes with no village known
    for entry in report.entries:
        key = keys[entry.name]
        commune_id = entry.commune.id
        if not index.knows(commune_id):
            # No village known at any date (its first report): nothing to match nor suggest,
            # and a national first report is 100,000 such rows, spared the lookups.
            entry.key = key
            first_villages.setdefault(commune_id, []).append(entry)
            identity: tuple = ("new", commune_id, entry.code or key)
        else:
            identity = _known_match(entry, key, index, findings)
        first = seen.setdefault(identity, entry)
        if first is not entry:
            findings.add(_twice_issue(entry, first))
    for entries in first_villages.values():
        findings.add(_first_villages_issue(entries))
    return index


def _known_match(entry: VillageEntry, key: str, index: VillageIndex, findings: Findings) -> tuple:
    """Match a row of a commune with villages known: its village's identity in the report,
    the known village's or a new one's (two villages of one name in a commune, as after the
    2025 merges, differ by code); a new one warned about."""
    match = index.find(entry.commune.id, entry.name, entry.code, key)
    if match.found is not None:
        entry.village_id = match.found.id
        return ("known", entry.village_id)
    entry.key = key
    _new_village_warn(entry, match, index, findings)
    return ("new", entry.commune.id, entry.code or key)


def _twice_issue(entry: VillageEntry, first: VillageEntry) -> Issue:
    params = {"name": entry.name, "commune": entry.commune.name}
    params |= {"sheet": first.sheet, "row": first.row}
    return entry_issue(entry, DUPLICATE_VILLAGE, params)


def _name_keys(entries: list[VillageEntry]) -> dict[str, str]:
    """Each distinct village name's key, folded once: names repeat from commune to commune
    ("Thôn 1", "Bản Na"), so a national report has far fewer names than rows."""
    return {name: name_key(name) for name in {entry.name for entry in entries}}


def _first_villages_issue(entries: list[VillageEntry]) -> Issue:
    """One warning for a commune with no village known at any date (its first report): all its
    villages are new, and there is nothing to suggest instead. Said once, at its first village,
    not once a village: a first national report would otherwise say it 100,000 times, and a
    province's first report 1,800 times, drowning the warnings that need reading."""
    first = entries[0]
    params = {"count": len(entries), "commune": first.commune.name}
    params["names"] = names_listed([entry.name for entry in entries])
    return entry_issue(first, FIRST_VILLAGES, params, warning=True)


def _new_village_warn(
    entry: VillageEntry, match: Match, index: VillageIndex, findings: Findings
) -> None:
    params = {"name": entry.name, "commune": entry.commune.name}
    params["closest"] = ", ".join(match.closest)
    if match.ambiguous:
        findings.add(entry_issue(entry, AMBIGUOUS_VILLAGE, params))
        return
    other = index.other_date(entry.commune.id, entry.name)
    if other is None:
        text = NEW_VILLAGE_CLOSEST if match.closest else NEW_VILLAGE
        findings.add(entry_issue(entry, text, params, warning=True))
        return
    # A village of another date only (merged away, or formed later by a merge): never a silent
    # match (docs/village-identity.md), but named, with its page, in case the row means it.
    params |= {"village": other.name, "date": date_text(index.date)}
    if other.valid_to is not None and other.valid_to < index.date:
        text, params["end"] = EARLIER_VILLAGE, date_text(other.valid_to)
    else:
        text, params["start"] = LATER_VILLAGE, date_text(other.valid_from)
    issue = entry_issue(entry, text, params, warning=True)
    findings.add(replace(issue, link=reverse("village", args=[other.id])))
