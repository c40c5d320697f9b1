"""Import a report: preview it, then write it on confirm; restore a replaced import.

    workbook ─▶ read ─▶ recognise layout ─▶ validate every row ─▶ preview
                                                       │ confirm (report_import)
                                                       ▼
                  village figures (+ new villages) or unit figures, in one transaction
                  ─▶ coverage_rebuild for the date ─▶ ImportRun recorded

`report_preview` reads only; `report_import` writes everything or nothing.
"""

from __future__ import annotations

import datetime
import os
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from units.domain.coverage import coverage_rebuild, period_for_date
from units.domain.names import name_key
from units.domain.rows import rows_insert, rows_insert_returning
from units.models import (
    Metric,
    Period,
    Source,
    UnitFigure,
    Village,
    VillageFigure,
    VillagePlacement,
)

from . import fields as f
from .fields import Shape
from .issues import Findings, Issue
from .layout import workbook_tables
from .matching import villages_match
from .models import ImportRun, ReplacedFigures
from .preview import (
    Preview,
    existing_unit_figures,
    existing_village_figures,
    extra_columns_list,
    scope_of,
    unit_changes_preview,
    village_changes_preview,
    village_figures_held,
)
from .reader import UnreadableWorkbook, workbook_read
from .reference import UnitIndex
from .summary import unit_summary_validate
from .validate import VillageEntry, date_text, report_date_find, village_report_validate

NEEDS_REPLACE = _(
    "Figures for %(date)s in %(scope)s are already held (%(count)s rows, from %(runs)s): "
    "import with replace to supersede them; the replaced version can be restored."
)
BEFORE_IMPORTS = _("figures present before any import")
SAME_FILE = _("Same file as import #%(id)s of %(when)s: nothing to do.")
NOT_REPLACED = _("Import #%(id)s is not a replaced import: there is nothing to restore.")
IMPORTED = _(
    "%(rows)s rows: %(new)s new villages, %(changed)s changed, %(unchanged)s unchanged, "
    "%(not_reported)s not reported."
)
SOURCE_TITLE = _("Imported report %(file)s (%(date)s)")

UNIT_METRICS = {
    f.VILLAGES_TOTAL: Metric.VILLAGES_TOTAL,
    f.VILLAGES_JOINED: Metric.VILLAGES_JOINED,
    f.VILLAGES_NO_MEMBERS: Metric.VILLAGES_NO_MEMBERS,
    f.MEMBERS: Metric.MEMBERS,
    f.GRASSROOTS_ORGS: Metric.GRASSROOTS_ORGS,
    f.CELLS: Metric.CELLS_UNDER_COMMITTEES,
    f.ADMISSIONS: Metric.ADMISSIONS,
}
VILLAGE_COUNT_METRICS = {
    Metric.VILLAGES_JOINED,
    Metric.VILLAGES_NO_MEMBERS,
    Metric.VILLAGES_WITHOUT_CELL,
}


class ImportRefused(Exception):
    """The report cannot be imported; `issues` say why, `run` records the attempt."""

    def __init__(self, issues: list[Issue], run: ImportRun | None = None) -> None:
        super().__init__("; ".join(issue.message for issue in issues))
        self.issues = issues
        self.run = run


class _ReplaceNeeded(Exception):
    def __init__(self, issue: Issue) -> None:
        self.issue = issue


# ---------------------------------------------------------------------------- preview


def report_preview(
    *,
    path_or_file: str | os.PathLike | IO[bytes],
    file_name: str = "",
    date: datetime.date | None = None,
    user=None,
) -> Preview:
    """Read, recognise and validate a report, and compare it with the database. Writes nothing."""
    file_name = file_name or _file_name(path_or_file)
    try:
        workbook = workbook_read(path_or_file, file_name=file_name)
    except UnreadableWorkbook as error:
        return Preview(file_name, error.size, error.sha256, errors=[error.issue])
    preview = Preview(file_name, workbook.size, workbook.sha256, workbook.format)
    same = ImportRun.objects.filter(sha256=workbook.sha256, outcome=ImportRun.Outcome.IMPORTED)
    preview.same_file = same.order_by("-started").first()
    if preview.same_file is not None:
        preview.shape, preview.date = preview.same_file.shape or None, preview.same_file.date
        preview.scope = preview.same_file.scope
        return preview

    findings = Findings()
    tables, preview.skipped_sheets = workbook_tables(workbook, findings)
    tables = [table for table in tables if table.shape == tables[0].shape]
    preview.sheets = [table.sheet.name for table in tables]
    extra_columns_list(preview, tables)
    preview.date = report_date_find(tables, date, findings) if tables else None
    if preview.date is not None:
        preview.shape = tables[0].shape
        units = UnitIndex(preview.date)
        if preview.shape == Shape.VILLAGE_REPORT:
            _village_report_preview(preview, tables, units, findings)
        else:
            _unit_summary_preview(preview, tables, units, findings)
    preview.errors = findings.errors
    preview.warnings = findings.warnings + preview.warnings
    return preview


def _village_report_preview(preview: Preview, tables, units: UnitIndex, findings) -> None:
    report = village_report_validate(tables, preview.date, units, findings)
    preview.villages = report
    preview.village_index = villages_match(report, preview.date, findings)
    preview.scope = scope_of([seen.unit for seen in report.communes.values()], units)
    village_changes_preview(preview)


def _unit_summary_preview(preview: Preview, tables, units: UnitIndex, findings) -> None:
    summary = unit_summary_validate(tables, preview.date, units, findings)
    preview.units = summary
    preview.scope = scope_of([entry.unit for entry in summary.entries], units)
    unit_changes_preview(preview)


def _file_name(source) -> str:
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    return Path(getattr(source, "name", "") or "").name


# ---------------------------------------------------------------------------- import


def report_import(*, preview: Preview, replace: bool = False, user=None) -> ImportRun:
    """Write a previewed report in one transaction and record the run.

    The same file again is a no-op (outcome "unchanged"). A report with errors, or one for a
    date and scope already held without `replace`, raises `ImportRefused` and writes nothing but
    the record of the refused attempt.
    """
    if preview.same_file is not None:
        params = {"id": preview.same_file.id, "when": _when(preview.same_file.started)}
        message = gettext(SAME_FILE) % params
        return _run_record(preview, user, ImportRun.Outcome.UNCHANGED, message)
    if preview.errors:
        run = _run_record(preview, user, ImportRun.Outcome.REFUSED, _issues_text(preview.errors))
        raise ImportRefused(preview.errors, run)
    try:
        with transaction.atomic():
            return _report_write(preview, replace, user)
    except _ReplaceNeeded as refusal:
        run = _run_record(preview, user, ImportRun.Outcome.REFUSED, refusal.issue.message)
        raise ImportRefused([refusal.issue], run) from None


def _report_write(preview: Preview, replace: bool, user) -> ImportRun:
    period = period_for_date(preview.date)
    if preview.shape == Shape.VILLAGE_REPORT:
        held = existing_village_figures(preview)
        run_ids = {run_id for _, run_id, _ in held}
    else:
        held = list(existing_unit_figures(preview).values_list("id", "import_run_id"))
        run_ids = {run_id for _, run_id in held}
    if held and not replace:
        raise _ReplaceNeeded(_needs_replace(preview, len(held), run_ids))
    run = _run_record(preview, user, ImportRun.Outcome.IMPORTED, "")
    if preview.shape == Shape.VILLAGE_REPORT:
        if held:
            _village_figures_displace([figure_id for figure_id, _, _ in held], by=run)
        _village_figures_write(preview, period, run)
    else:
        if held:
            _unit_figures_displace(existing_unit_figures(preview), by=run)
        _unit_figures_write(preview, period, run)
    coverage_rebuild(periods=[period])
    run.finished = timezone.now()
    run.message = _imported_text(preview)
    run.save(update_fields=["finished", "message"])
    if os.environ.get(PAUSE_BEFORE_COMMIT):
        _test_pause("before commit")
    return run


def _needs_replace(preview: Preview, count: int, run_ids: set) -> Issue:
    runs = [f"#{run.id} {run.file_name}" for run in ImportRun.objects.filter(id__in=run_ids)]
    if None in run_ids:
        runs.append(str(BEFORE_IMPORTS))
    scope = preview.scope.name if preview.scope else ""
    params = {"date": date_text(preview.date), "scope": scope, "count": count}
    params["runs"] = ", ".join(runs)
    return Issue(NEEDS_REPLACE, params)


def _run_record(preview: Preview, user, outcome: str, message: str) -> ImportRun:
    return ImportRun.objects.create(
        file_name=preview.file_name[:255],
        sha256=preview.sha256,
        size=preview.size,
        user=user if getattr(user, "is_authenticated", False) else None,
        finished=timezone.now() if outcome != ImportRun.Outcome.IMPORTED else None,
        date=preview.date,
        scope=preview.scope,
        shape=preview.shape or "",
        outcome=outcome,
        rows=preview.rows,
        villages_new=preview.villages_new,
        villages_changed=preview.villages_changed,
        villages_unchanged=preview.villages_unchanged,
        villages_not_reported=preview.villages_not_reported,
        message=message,
        unit_ids=preview.unit_ids if outcome == ImportRun.Outcome.IMPORTED else [],
    )


def _issues_text(issues: list[Issue]) -> str:
    return "\n".join(issue.line() for issue in issues)


def _imported_text(preview: Preview) -> str:
    params = {
        "rows": preview.rows,
        "new": preview.villages_new,
        "changed": preview.villages_changed,
        "unchanged": preview.villages_unchanged,
        "not_reported": preview.villages_not_reported,
    }
    return gettext(IMPORTED) % params


def _when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


# ---------------------------------------------------------------------------- village figures


FIGURE_COLUMNS = (
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
    "import_run",
)


def _village_figures_write(preview: Preview, period: Period, run: ImportRun) -> int:
    entries = preview.villages.entries
    village_ids = _villages_create(preview)
    hosts = _hosts_find(preview, village_ids)
    rows = []
    for entry in entries:
        host_id = hosts.get(id(entry))
        rows.append(
            (
                village_ids[id(entry)],
                period.id,
                entry.commune.id,
                entry.district.id if entry.district else None,
                entry.status,
                entry.members,
                entry.full_members,
                entry.probationary_members,
                host_id,
                entry.host[:120],
                entry.admissions,
                run.id,
            )
        )
    pause_after = os.environ.get(PAUSE_AFTER_ROWS)  # a test hook, see _test_pause
    if pause_after is None:
        rows_insert(VillageFigure, FIGURE_COLUMNS, rows)
    else:
        rows_insert(VillageFigure, FIGURE_COLUMNS, rows[: int(pause_after)])
        _test_pause(f"after {pause_after} figure rows")
        rows_insert(VillageFigure, FIGURE_COLUMNS, rows[int(pause_after) :])
    return len(rows)


def _hosts_find(preview: Preview, village_ids: dict[int, int]) -> dict[int, int]:
    """id(entry) → the village whose cell the entry's village attends, when the report names
    one that is known: in the same report and commune first, then among the commune's villages."""
    entries = preview.villages.entries
    by_name = {(entry.commune.id, entry.name): village_ids[id(entry)] for entry in entries}
    by_key: dict[tuple[int, str], int] = {}
    hosts = {}
    for entry in entries:
        if not entry.host:
            continue
        host_id = by_name.get((entry.commune.id, entry.host))
        if host_id is None:
            if not by_key:
                by_key = {
                    (other.commune.id, other.key or name_key(other.name)): village_ids[id(other)]
                    for other in entries
                }
            host_id = by_key.get((entry.commune.id, name_key(entry.host)))
        if host_id is None:
            match = preview.village_index.find(entry.commune.id, entry.host)
            host_id = match.found.id if match.found else None
        if host_id is not None:
            hosts[id(entry)] = host_id
    return hosts


def _villages_create(preview: Preview) -> dict[int, int]:
    """Create the villages seen for the first time, placed in their commune from the report's
    date. Returns id(entry) → village id for every entry.

    A new village is one per commune and code, or name key when no code is given: the identity
    `villages_match` refuses duplicates by (two same-named villages of merged communes differ
    by their code)."""
    entries = preview.villages.entries
    new: dict[tuple[int, str], VillageEntry] = {}
    for entry in entries:
        if entry.village_id is None:
            new.setdefault(_new_identity(entry), entry)
    date = _db_date(Village, "valid_from", preview.date)
    ids = rows_insert_returning(
        Village,
        ("name", "name_key", "code", "valid_from"),
        [(e.name[:120], e.key[:120], e.code[:20], date) for e in new.values()],
    )
    valid_to = {}  # commune id → its last day, as the database takes it
    for entry in new.values():
        if entry.commune.id not in valid_to:
            valid_to[entry.commune.id] = _db_date(
                VillagePlacement, "valid_to", entry.commune.valid_to
            )
    rows_insert(
        VillagePlacement,
        ("village", "commune", "valid_from", "valid_to"),
        [
            (village_id, e.commune.id, date, valid_to[e.commune.id])
            for village_id, e in zip(ids, new.values(), strict=True)
        ],
    )
    created = dict(zip(new, ids, strict=True))
    return {id(entry): entry.village_id or created[_new_identity(entry)] for entry in entries}


def _new_identity(entry: VillageEntry) -> tuple[int, str]:
    return entry.commune.id, entry.code or entry.key


def _db_date(model, name: str, value: datetime.date | None):
    """A date as the database backend takes it in raw SQL (converted once, not per row)."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def _village_figures_displace(figure_ids: list[int], *, by: ImportRun) -> None:
    """Move figures out of the way of `by`, keeping them, per run that wrote them, for restore.
    Figures no import wrote (loaded otherwise) are kept under a stand-in run."""
    columns = ReplacedFigures.VILLAGE_COLUMNS
    by_run: dict[int | None, list[list]] = defaultdict(list)
    for chunk in _chunks(figure_ids):
        for row in VillageFigure.objects.filter(id__in=chunk).values_list(
            *columns, "import_run_id"
        ):
            by_run[row[-1]].append(list(row[:-1]))
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
    for chunk in _chunks(figure_ids):
        VillageFigure.objects.filter(id__in=chunk).delete()


def _chunks(items: list, size: int = 900):
    """Slices small enough for any database's limit on query parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _stand_in_run(by: ImportRun, shape: str) -> ImportRun:
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


# ---------------------------------------------------------------------------- unit figures


def _unit_figures_write(preview: Preview, period: Period, run: ImportRun) -> int:
    params = {"file": preview.file_name, "date": date_text(preview.date)}
    source = Source.objects.create(title=(gettext(SOURCE_TITLE) % params)[:300])
    rows = []
    for entry in preview.units.entries:
        figures = entry.figures
        total = figures.get(f.VILLAGES_TOTAL)
        values = {UNIT_METRICS[key]: value for key, value in figures.items() if key in UNIT_METRICS}
        own = figures.get(f.VILLAGES_OWN_CELL)
        if total is not None and own is not None and own <= total:
            values[Metric.VILLAGES_WITHOUT_CELL] = total - own
        for metric, value in values.items():
            rows.append(
                UnitFigure(
                    unit=entry.unit,
                    period=period,
                    metric=metric,
                    value=Decimal(value),
                    denominator=total if metric in VILLAGE_COUNT_METRICS else None,
                    source=source,
                    import_run=run,
                )
            )
    UnitFigure.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _unit_figures_displace(figures: QuerySet, *, by: ImportRun) -> None:
    by_run: dict[int, list[list]] = defaultdict(list)
    for row in figures.values_list(*ReplacedFigures.UNIT_COLUMNS, "import_run_id"):
        values = list(row[:-1])
        values[2] = str(values[2])  # Decimal
        values[4] = values[4].isoformat() if values[4] else None  # span_start
        by_run[row[-1]].append(values)
    ReplacedFigures.objects.bulk_create(
        ReplacedFigures(run_id=run_id, replaced_by=by, unit_figures=rows)
        for run_id, rows in by_run.items()
    )
    ImportRun.objects.filter(id__in=list(by_run)).update(
        outcome=ImportRun.Outcome.REPLACED, replaced_by=by
    )
    figures.delete()


# ---------------------------------------------------------------------------- test hook

# Environment variables for tests/test_import_interrupted.py, which kills an import midway
# (SIGKILL, no exception) and checks the database is as it was. Unset, they cost one lookup.
PAUSE_AFTER_ROWS = "PARTYSTATS_IMPORT_PAUSE_AFTER_ROWS"  # pause after writing N figure rows
PAUSE_BEFORE_COMMIT = "PARTYSTATS_IMPORT_PAUSE_BEFORE_COMMIT"  # pause with all written
PAUSE_MARKER = "PARTYSTATS_IMPORT_PAUSE_MARKER"  # file written when paused
PAUSE_SECONDS = "PARTYSTATS_IMPORT_PAUSE_SECONDS"  # how long to wait for the kill (60)


def _test_pause(point: str) -> None:
    """Hold the open transaction so that a test can kill the process at this point: write
    the marker file (saying how many figures the transaction holds), then sleep."""
    figures = VillageFigure.objects.count()  # this transaction's view: its own writes too
    marker = os.environ.get(PAUSE_MARKER)
    if marker:  # written whole, then renamed: a test never reads half of it
        Path(f"{marker}.tmp").write_text(f"{point}: {figures} village figures, not committed")
        os.replace(f"{marker}.tmp", marker)
    time.sleep(float(os.environ.get(PAUSE_SECONDS, "60")))


# ---------------------------------------------------------------------------- restore


def report_restore(run: ImportRun, *, user=None) -> ImportRun:
    """Make a replaced import current again: the figures that replaced it are kept in turn (and
    can be restored the same way), the replaced ones are written back, coverage is rebuilt."""
    if run.outcome != ImportRun.Outcome.REPLACED:
        raise ImportRefused([Issue(NOT_REPLACED, {"id": run.id})], run)
    with transaction.atomic():
        period = period_for_date(run.date)
        snapshots = list(run.replaced_figures.all())
        village_rows = [row for snapshot in snapshots for row in snapshot.village_figures]
        unit_rows = [row for snapshot in snapshots for row in snapshot.unit_figures]
        if village_rows or run.shape == Shape.VILLAGE_REPORT:
            _village_figures_restore(run, period, village_rows)
        if unit_rows:
            _unit_figures_restore(run, period, unit_rows)
        ReplacedFigures.objects.filter(id__in=[snapshot.id for snapshot in snapshots]).delete()
        run.outcome = ImportRun.Outcome.IMPORTED
        run.replaced_by = None
        run.save(update_fields=["outcome", "replaced_by"])
        coverage_rebuild(periods=[period])
    return run


def _village_figures_restore(run: ImportRun, period: Period, rows: list[list]) -> None:
    columns = ReplacedFigures.VILLAGE_COLUMNS
    villages = {row[0] for row in rows}
    communes = set(run.unit_ids) | {row[1] for row in rows}
    held = village_figures_held(period.date, sorted(communes), villages)
    displaced = [figure_id for figure_id, run_id, _ in held if run_id != run.id]
    if displaced:
        _village_figures_displace(displaced, by=run)
    VillageFigure.objects.bulk_create(
        (
            VillageFigure(period=period, import_run=run, **dict(zip(columns, row, strict=True)))
            for row in rows
        ),
        batch_size=5000,
    )


def _unit_figures_restore(run: ImportRun, period: Period, rows: list[list]) -> None:
    columns = ReplacedFigures.UNIT_COLUMNS
    units = {row[0] for row in rows} | set(run.unit_ids)
    current = UnitFigure.objects.filter(period=period, unit_id__in=units).filter(
        Q(import_run__isnull=False) & ~Q(import_run=run)
    )
    if current.exists():
        _unit_figures_displace(current, by=run)
    restored = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        values["value"] = Decimal(values["value"])
        if values["span_start"]:
            values["span_start"] = datetime.date.fromisoformat(values["span_start"])
        restored.append(UnitFigure(period=period, import_run=run, **values))
    UnitFigure.objects.bulk_create(restored, batch_size=2000)
