"""Writing a village report's figures, and putting replaced ones back: the importer's writes to
the village data, inside the transaction `imports.services` opens.

Every write says what it changed (`Changes`): the communes and dates of the figures written or
removed, and of the villages whose life or placements moved (`lifetimes_settle`), so that the
coverage rebuild redoes exactly those (issue 9). The rules a village's life follows are in
docs/village-identity.md.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.domain.lifetimes import Changes, lifetimes_settle
from units.domain.names import name_key, sort_key
from units.domain.rows import (
    db_value,
    rows_insert,
    rows_insert_returning,
    statistics_follow,
    writes_behind,
    writes_caught_up,
)
from units.models import (
    VILLAGE_FIGURE_FIELDS,
    Period,
    Village,
    VillageFigure,
    VillagePlacement,
)

from .fields import Shape
from .idlists import ids_in
from .models import ImportRun, RemovedVillage, ReplacedFigures
from .preview import Preview, village_figures_held
from .validate import VillageEntry

BEFORE_IMPORTS = _("figures present before any import")
FIGURE_FIELDS = (*VILLAGE_FIGURE_FIELDS, "import_run")
# A report's figure rows without the period and the run, which every row shares.
REPORT_FIGURE_FIELDS = tuple(name for name in VILLAGE_FIGURE_FIELDS if name != "period")
VILLAGE_FIELDS = ("name", "name_key", "sort_key", "code")
PLACEMENT_FIELDS = ("village", "commune", "valid_to")


def village_report_write(
    preview: Preview, period: Period, run: ImportRun, held: list[int], hook=None
) -> Changes:
    """Move the `held` figures aside (kept for restore), create the new villages, write the
    figures, settle the villages whose life may have moved."""
    changes = Changes()
    displaced = village_figures_displace(held, by=run, changes=changes) if held else set()
    with writes_behind():  # the rows are prepared while SQLite writes those before them
        village_ids = villages_create(preview, changes)
        shared = {"period": period.id, "import_run": run.id}
        figures_insert(_figure_rows(preview, village_ids), shared, hook)
    new = preview.villages_new  # one village, and its placement, for each new village's row
    statistics_follow({Village: new, VillagePlacement: new, VillageFigure: len(village_ids)})
    changes.figures(preview.villages.communes, preview.date)
    index = preview.village_index
    unsettled = {  # matched where they were not placed at the date: extended back, or moved
        entry.village_id
        for entry in preview.villages.entries
        if entry.village_id and not index.is_current(entry.commune.id, entry.village_id)
    }
    if displaced:  # moved aside, and not written again: their lives may have moved
        unsettled |= displaced - set(village_ids)
    removed = lifetimes_settle(unsettled, changes)
    villages_removed_keep(removed, by=run)
    return changes


def _figure_rows(preview: Preview, village_ids: list[int]) -> list[tuple]:
    """The report's figure rows, in REPORT_FIGURE_FIELDS' order."""
    entries = preview.villages.entries
    return [
        (
            village_id,
            entry.commune.id,
            entry.district.id if entry.district else None,
            entry.status,
            entry.members,
            entry.full_members,
            entry.probationary_members,
            host_id,
            entry.host[:120],
            entry.admissions,
        )
        for entry, village_id, host_id in zip(
            entries, village_ids, _hosts_find(preview, village_ids), strict=True
        )
    ]


def figures_insert(rows: list[tuple], shared: dict, hook=None) -> None:
    """The figure rows, in one go, or in two around the test hook's pause
    (imports.services.write_hook)."""
    split = getattr(hook, "figures_before_pause", None)
    if split is None:
        rows_insert(VillageFigure, REPORT_FIGURE_FIELDS, rows, shared)
        return
    rows_insert(VillageFigure, REPORT_FIGURE_FIELDS, rows[:split], shared)
    writes_caught_up()
    hook.pause(f"after {split} figure rows")
    rows_insert(VillageFigure, REPORT_FIGURE_FIELDS, rows[split:], shared)


def _hosts_find(preview: Preview, village_ids: list[int]) -> list[int | None]:
    """For each row, the village whose cell the row's village attends, when the report names
    one that is known: in the same report and commune first, then among the commune's villages.
    None for the rest."""
    entries = preview.villages.entries
    hosts: list[int | None] = [None] * len(entries)
    joined = [number for number, entry in enumerate(entries) if entry.host]
    if not joined:
        return hosts
    by_name = {(e.commune.id, e.name): v for e, v in zip(entries, village_ids, strict=True)}
    by_key: dict[tuple[int, str], int] = {}
    for number in joined:
        entry = entries[number]
        host_id = by_name.get((entry.commune.id, entry.host))
        if host_id is None:
            if not by_key:
                by_key = {
                    (e.commune.id, e.key or name_key(e.name)): v
                    for e, v in zip(entries, village_ids, strict=True)
                }
            host_id = by_key.get((entry.commune.id, name_key(entry.host)))
        if host_id is None:
            match = preview.village_index.find(entry.commune.id, entry.host)
            host_id = match.found.id if match.found else None
        hosts[number] = host_id
    return hosts


def villages_create(preview: Preview, changes: Changes) -> list[int]:
    """Create the villages seen for the first time, known only from reports: each starts at
    the report's date, placed in its commune until the commune ends (the placement the rules
    give a village with one figure). Returns the village id of every entry, in order.

    A new village is one per commune and code, or name key when no code is given: the identity
    `villages_match` refuses duplicates by (two same-named villages of merged communes differ
    by their code)."""
    entries = preview.villages.entries
    village_ids = [entry.village_id for entry in entries]
    unknown = {  # row number → its village's identity
        number: (entries[number].commune.id, entries[number].code or entries[number].key)
        for number, village_id in enumerate(village_ids)
        if village_id is None
    }
    if not unknown:
        return village_ids
    new: dict[tuple[int, str], VillageEntry] = {}
    for number, identity in unknown.items():
        new.setdefault(identity, entries[number])
    date = db_value(Village, "valid_from", preview.date)
    ids = _villages_insert(list(new.values()), date)
    _placements_insert(list(new.values()), ids, preview.date, changes)
    created = dict(zip(new, ids, strict=True))
    for number, identity in unknown.items():
        village_ids[number] = created[identity]
    return village_ids


def _villages_insert(new: list[VillageEntry], date) -> list[int]:
    sort_keys = _sort_keys(new)
    return rows_insert_returning(
        Village,
        VILLAGE_FIELDS,
        [(e.name[:120], e.key[:120], sort_keys[e.name], e.code[:20]) for e in new],
        {"valid_from": date, "from_reports": True},
    )


def _placements_insert(
    new: list[VillageEntry], ids: list[int], date: datetime.date, changes: Changes
) -> None:
    """Each new village in its commune from `date` until the commune ends."""
    communes = [entry.commune for entry in new]
    ends = {}  # commune id → its last day, as the database takes it
    as_stored = {}  # a date → as the database takes it: converted once, not per commune
    for commune in {commune.id: commune for commune in communes}.values():
        end = commune.valid_to
        if end not in as_stored:
            as_stored[end] = db_value(VillagePlacement, "valid_to", end)
        ends[commune.id] = as_stored[end]
        changes.span(commune.id, date, end)
    rows_insert(
        VillagePlacement,
        PLACEMENT_FIELDS,
        [
            (village_id, commune.id, ends[commune.id])
            for village_id, commune in zip(ids, communes, strict=True)
        ],
        {
            "valid_from": db_value(VillagePlacement, "valid_from", date),
            "from_reports": True,
        },
    )


def _sort_keys(entries) -> dict[str, str]:
    """Each distinct village name's sort key, worked out once: about 20 µs a name, and names
    repeat from commune to commune ("Thôn 1", "Bản Na"): 2 s of a national report's write when
    worked out per row."""
    return {name: sort_key(name) for name in {entry.name for entry in entries}}


# ---------------------------------------------------------------------------- replace, restore


def village_figures_displace(figure_ids: list[int], *, by: ImportRun, changes: Changes) -> set:
    """Move figures out of the way of `by`, keeping them, per run that wrote them, for restore.
    Figures no import wrote (loaded otherwise) are kept under a stand-in run. Returns the
    villages whose figures moved."""
    columns = ReplacedFigures.VILLAGE_COLUMNS
    # The ids as one parameter: a national replace moves 100,000 figures, which Django would
    # prepare one by one in a query per 900 (0.9 s).
    held = VillageFigure.objects.filter(id__in=ids_in(figure_ids))
    by_run: dict[int | None, list[list]] = defaultdict(list)
    for row in held.values_list(*columns, "import_run_id"):
        by_run[row[-1]].append(list(row[:-1]))
    villages = {row[0] for rows in by_run.values() for row in rows}
    changes.figures({row[1] for rows in by_run.values() for row in rows}, by.date)
    if None in by_run:
        stand_in = _stand_in_run(by, Shape.VILLAGE_REPORT)
        by_run[stand_in.id] = by_run.pop(None)
    ReplacedFigures.objects.bulk_create(
        ReplacedFigures(run_id=run_id, replaced_by=by, village_figures=rows)
        for run_id, rows in by_run.items()
    )
    ImportRun.objects.filter(id__in=list(by_run)).update(
        outcome=ImportRun.Outcome.REPLACED, replaced_by=by
    )
    held.delete()
    return villages


def _stand_in_run(by: ImportRun, shape: str) -> ImportRun:
    """The run that stands for figures present before any import, once they are replaced."""
    return ImportRun.objects.create(
        file_name=str(BEFORE_IMPORTS),
        sha256="",
        size=0,
        date=by.date,
        scope=by.scope,
        shape=shape,
        outcome=ImportRun.Outcome.REPLACED,
        replaced_by=by,
        finished=timezone.now(),
        unit_ids=by.unit_ids,
    )


def village_figures_restore(run: ImportRun, period: Period, rows: list[list]) -> Changes:
    """Write a replaced run's figures back, moving aside those that replaced them (kept in
    turn), and bring back the villages the replacing left without a figure."""
    changes = Changes()
    villages = {row[0] for row in rows}
    communes = set(run.unit_ids) | {row[1] for row in rows}
    held = village_figures_held(period.date, sorted(communes), villages)
    current = [figure_id for figure_id, run_id, _ in held if run_id != run.id]
    displaced = village_figures_displace(current, by=run, changes=changes) if current else set()
    rows = villages_bring_back(rows)
    rows_insert(  # stored in REPORT_FIGURE_FIELDS' order (ReplacedFigures.VILLAGE_COLUMNS)
        VillageFigure,
        REPORT_FIGURE_FIELDS,
        (tuple(row) for row in rows),
        {"period": period.id, "import_run": run.id},
    )
    changes.figures({row[1] for row in rows}, period.date)
    removed = lifetimes_settle(villages | displaced, changes)
    villages_removed_keep(removed, by=run)
    return changes


def villages_bring_back(rows: list[list]) -> list[list]:
    """Recreate, under their ids, the villages the figure rows name that a replace or restore
    removed; a host that is gone for good is dropped from the figure (its name stays)."""
    host = ReplacedFigures.VILLAGE_COLUMNS.index("joined_with_id")
    named = {row[0] for row in rows} | {row[host] for row in rows if row[host]}
    existing = set(Village.objects.filter(id__in=list(named)).values_list("id", flat=True))
    kept = RemovedVillage.objects.filter(village_id__in=list(named - existing))
    Village.objects.bulk_create(Village(**_village_fields(k.row)) for k in kept)
    existing |= {k.village_id for k in kept}
    kept.delete()
    return [
        row if not row[host] or row[host] in existing else [*row[:host], None, *row[host + 1 :]]
        for row in rows
    ]


def villages_removed_keep(removed: list[dict], *, by: ImportRun) -> None:
    RemovedVillage.objects.bulk_create(
        RemovedVillage(village_id=row["id"], row=_village_row(row), removed_by=by)
        for row in removed
    )


def _village_row(row: dict) -> dict:
    return {
        name: value.isoformat() if isinstance(value, datetime.date) else value
        for name, value in row.items()
    }


def _village_fields(row: dict) -> dict:
    fields = dict(row)
    for name in ("valid_from", "valid_to"):
        if fields.get(name):
            fields[name] = datetime.date.fromisoformat(fields[name])
    return fields
