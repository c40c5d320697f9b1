"""Import a report: preview it, then write it on confirm; restore a replaced import.

    workbook ─▶ read ─▶ recognise layout ─▶ validate every row ─▶ preview
                                                       │ confirm (report_import)
                                                       ▼
                  village figures (+ new villages) or unit figures, in one transaction
                  (imports.village_write) ─▶ coverage_refresh of what changed, at every date
                  ─▶ ImportRun recorded

`report_preview` reads only; `report_import` writes everything or nothing.
"""

from __future__ import annotations

import datetime
import gc
import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from units.domain.coverage import coverage_refresh, period_for_date
from units.domain.lifetimes import Changes
from units.domain.transactions import write_transaction

from .dates import date_text, report_date_find
from .fields import Shape
from .header import ColumnChoices
from .issues import Findings, Grouped, Issue
from .layout import workbook_tables
from .mapping import choices_remembered
from .matching import villages_match
from .models import ImportRun, ReplacedFigures, RunEvent
from .preview import (
    Preview,
    existing_unit_figures,
    existing_village_figures,
    extra_columns_list,
    scope_of,
    unit_changes_preview,
    village_changes_preview,
)
from .reader import UnreadableWorkbook, WorkbookReading
from .reference import UnitIndex
from .summary import unit_summary_validate
from .unit_write import unit_figures_displace, unit_figures_restore, unit_figures_write
from .validate import PreparedSheets, village_report_validate
from .village_write import BEFORE_IMPORTS, village_figures_restore, village_report_write

NEEDS_REPLACE = _(
    "Figures for %(date)s in %(scope)s are already held (%(count)s rows, from %(runs)s): "
    "import with replace to supersede them; the replaced version can be restored."
)
SAME_FILE = _("Same file as import #%(id)s of %(when)s: nothing to do.")
NOT_REPLACED = _("Import #%(id)s is not a replaced import: there is nothing to restore.")
# The runs that record the units they cover: what they wrote, or will write once published.
KEEP_UNITS = {ImportRun.Outcome.IMPORTED, ImportRun.Outcome.DRAFT}
# The runs whose counts say what they are (ImportRun.summary puts them into words when shown).
SUMMARISED = {ImportRun.Outcome.IMPORTED, ImportRun.Outcome.DRAFT}


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
    columns: ColumnChoices | None = None,
    remembered: dict[str, ColumnChoices] | None = None,
) -> Preview:
    """Read, recognise and validate a report, and compare it with the database. Writes nothing.

    `columns` says what columns are where the headers do not (the command line's `--column`);
    the choices staff made for the same headers before (`ColumnMapping`) apply too, or
    `remembered` instead (a draft's, as they were when it was confirmed: imports.drafts)."""
    with _collector_paused():
        return _report_preview(path_or_file, file_name, date, columns, remembered)


def _report_preview(path_or_file, file_name, date, columns, remembered) -> Preview:
    file_name = file_name or _file_name(path_or_file)
    try:
        reading = WorkbookReading(path_or_file, file_name=file_name)
    except UnreadableWorkbook as error:
        return Preview(file_name, error.size, error.sha256, errors=[error.issue])
    preview = Preview(file_name, reading.size, reading.sha256, reading.format)
    findings = Findings()
    prepared = PreparedSheets(date)  # village sheets checked while the next one is read
    try:
        layout = workbook_tables(
            reading,
            findings,
            date=date,
            choices=columns,
            remembered=choices_remembered if remembered is None else lambda: remembered,
            on_table=prepared.add,
        )
    except UnreadableWorkbook as error:
        return Preview(file_name, error.size, error.sha256, errors=[error.issue])
    if _same_file_found(preview):
        return preview
    preview.skipped_sheets, preview.headers = layout.skipped, layout.headers
    tables = [table for table in layout.tables if table.shape == layout.tables[0].shape]
    preview.sheets = [table.sheet.name for table in tables]
    extra_columns_list(preview, tables)
    sheet_dates = [(table.sheet, table.reference) for table in tables]
    preview.date = report_date_find(sheet_dates, date, findings) if tables else None
    if preview.date is not None:
        preview.shape = tables[0].shape
        units = prepared.units_at(preview.date)
        if preview.shape == Shape.VILLAGE_REPORT:
            _village_report_preview(preview, tables, units, findings, prepared)
        else:
            _unit_summary_preview(preview, tables, units, findings)
    preview.errors = findings.errors
    preview.warnings = findings.warnings + preview.warnings
    return preview


def _same_file_found(preview: Preview) -> bool:
    """Whether this very file was imported: the preview then says so, and what it held."""
    same = ImportRun.objects.filter(sha256=preview.sha256, outcome=ImportRun.Outcome.IMPORTED)
    preview.same_file = same.order_by("-started").first()
    if preview.same_file is None:
        return False
    preview.shape, preview.date = preview.same_file.shape or None, preview.same_file.date
    preview.scope = preview.same_file.scope
    return True


def _village_report_preview(
    preview: Preview, tables, units: UnitIndex, findings, prepared: PreparedSheets
) -> None:
    report = village_report_validate(tables, preview.date, units, findings, prepared)
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


def report_import(
    *, preview: Preview, replace: bool = False, user=None, draft: ImportRun | None = None
) -> ImportRun:
    """Write a previewed report in one transaction and record the run.

    The same file again is a no-op (outcome "unchanged"). A report with errors, or one for a
    date and scope already held without `replace`, raises `ImportRefused` and writes nothing but
    the record of the refused attempt.

    `draft`: the draft being published (imports.publish): it becomes the run that wrote the
    figures, and a refusal records nothing, the draft staying a draft.
    """
    if draft is not None:
        return _draft_write(preview, replace, draft)
    if preview.same_file is not None:
        message = gettext(SAME_FILE) % _same_file_params(preview)
        return run_record(preview, user, ImportRun.Outcome.UNCHANGED, message)
    if preview.errors:
        run = run_record(preview, user, ImportRun.Outcome.REFUSED, _issues_text(preview.errors))
        raise ImportRefused(preview.errors, run)
    try:
        with _collector_paused(), write_transaction():
            run, _changes = report_write(preview, replace=replace, user=user)
            _pause_before_commit()
            return run
    except _ReplaceNeeded as refusal:
        run = run_record(preview, user, ImportRun.Outcome.REFUSED, refusal.issue.message)
        raise ImportRefused([refusal.issue], run) from None


def _draft_write(preview: Preview, replace: bool, draft: ImportRun) -> ImportRun:
    """A draft written as its importer's confirm would have been; refused, nothing is recorded
    and the draft stays a draft."""
    issues = write_refusal(preview, replace)
    if issues:
        raise ImportRefused(issues, draft)
    with _collector_paused(), write_transaction():
        run, _changes = report_write(preview, replace=replace, user=draft.user, draft=draft)
        _pause_before_commit()
        return run


def write_refusal(preview: Preview, replace: bool) -> list[Issue]:
    """Why the preview cannot be written now (the same file, errors, figures held without
    `replace`); empty when it can."""
    if preview.same_file is not None:
        return [Issue(SAME_FILE, _same_file_params(preview))]
    if preview.errors:
        return preview.errors
    issue = None if replace else replace_needed(preview)
    return [issue] if issue is not None else []


def _same_file_params(preview: Preview) -> dict:
    return {"id": preview.same_file.id, "when": _when(preview.same_file.started)}


def _pause_before_commit() -> None:
    hook = write_hook()
    if hook is not None:
        hook.pause("before commit")


@contextmanager
def _collector_paused():
    """No cyclic garbage collection while a report is read and checked, or its rows written: a
    national report's cells and rows are about a million objects, which each collection of
    the oldest generation walks again while more are allocated (0.6 s of a 2.3 s preview,
    0.4 s of a 3 s write: bench/import_speed.py). Neither makes cycles worth collecting
    before it ends; the collector runs again after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def report_write(
    preview: Preview, *, replace: bool, user=None, draft: ImportRun | None = None
) -> tuple[ImportRun, Changes]:
    """The writes of `report_import`, inside the caller's transaction, coverage refreshed:
    the run and what changed (imports.publish_plan rolls them back to show a publish). Raises
    _ReplaceNeeded when figures are held and not `replace`."""
    period = period_for_date(preview.date)
    held, run_ids = held_figures(preview)
    if held and not replace:
        raise _ReplaceNeeded(_needs_replace(preview, len(held), run_ids))
    run = run_record(preview, user, ImportRun.Outcome.IMPORTED, "", run=draft)
    if preview.shape == Shape.VILLAGE_REPORT:
        held_ids = [figure_id for figure_id, _, _ in held]
        changes = village_report_write(preview, period, run, held_ids, write_hook())
    else:
        if held:
            unit_figures_displace(existing_unit_figures(preview), by=run)
        unit_figures_write(preview, period, run)
        changes = Changes()  # unit figures are not village coverage
    coverage_refresh(changes)
    run.finished = timezone.now()
    run.save(update_fields=["finished"])
    return run, changes


def held_figures(preview: Preview) -> tuple[list[tuple], set]:
    """The figures the report would replace (ids first), and the runs that wrote them."""
    if preview.shape == Shape.VILLAGE_REPORT:
        held = existing_village_figures(preview)
        return held, {run_id for _, run_id, _ in held}
    held = list(existing_unit_figures(preview).values_list("id", "import_run_id"))
    return held, {run_id for _, run_id in held}


def replace_needed(preview: Preview) -> Issue | None:
    """Why the report cannot be written without replace, or None when it can."""
    held, run_ids = held_figures(preview)
    return _needs_replace(preview, len(held), run_ids) if held else None


def write_hook():
    """The test hook installed by settings.IMPORT_WRITE_HOOK (tests/import_pause.py): it can
    pause the import's transaction at named points for a test to kill or read. None, as in
    production, unless a test's settings name one."""
    path = getattr(settings, "IMPORT_WRITE_HOOK", "")
    return import_string(path)() if path else None


def _needs_replace(preview: Preview, count: int, run_ids: set) -> Issue:
    runs = [f"#{run.id} {run.file_name}" for run in ImportRun.objects.filter(id__in=run_ids)]
    if None in run_ids:
        runs.append(str(BEFORE_IMPORTS))
    scope = preview.scope.name if preview.scope else ""
    params = {"date": date_text(preview.date), "scope": scope, "count": Grouped(count)}
    params["runs"] = ", ".join(runs)
    return Issue(NEEDS_REPLACE, params)


def run_record(
    preview: Preview, user, outcome: str, message: str, run: ImportRun | None = None
) -> ImportRun:
    """A new run, or `run` (a draft being published, or one being confirmed) filled in."""
    fields = run_fields(preview, user, outcome, message)
    if run is None:
        return ImportRun.objects.create(**fields)
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=list(fields))
    return run


def run_fields(preview: Preview, user, outcome: str, message: str) -> dict:
    """What a run records of its preview."""
    return dict(
        file_name=preview.file_name[:255],
        sha256=preview.sha256,
        size=preview.size,
        user=_user_or_none(user),
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
        summary_from_counts=outcome in SUMMARISED,
        unit_ids=preview.unit_ids if outcome in KEEP_UNITS else [],
    )


def _issues_text(issues: list[Issue]) -> str:
    return "\n".join(issue.line() for issue in issues)


def _when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


# ---------------------------------------------------------------------------- restore


def report_restore(run: ImportRun, *, user=None) -> ImportRun:
    """Make a replaced import current again: the figures that replaced it are kept in turn (and
    can be restored the same way), the replaced ones are written back with the villages the
    replacing removed, and the villages only the replacing named go; coverage is rebuilt
    wherever that changed it, so every figure is as it was before the replacing run."""
    with write_transaction():
        coverage_refresh(restore_write(run))
        RunEvent.objects.create(run=run, action=RunEvent.Action.RESTORED, user=_user_or_none(user))
    return run


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


def restore_write(run: ImportRun) -> Changes:
    """The writes of a restore, inside the caller's transaction: what changed, for the coverage
    rebuild (imports.restore_plan runs them to show what a restore would change)."""
    if run.outcome != ImportRun.Outcome.REPLACED:
        raise ImportRefused([Issue(NOT_REPLACED, {"id": run.id})], run)
    period = period_for_date(run.date)
    snapshots = list(run.replaced_figures.all())
    village_rows = [row for snapshot in snapshots for row in snapshot.village_figures]
    unit_rows = [row for snapshot in snapshots for row in snapshot.unit_figures]
    changes = Changes()
    if village_rows or run.shape == Shape.VILLAGE_REPORT:
        changes = village_figures_restore(run, period, village_rows)
    if unit_rows:
        unit_figures_restore(run, period, unit_rows)
    ReplacedFigures.objects.filter(id__in=[snapshot.id for snapshot in snapshots]).delete()
    run.outcome = ImportRun.Outcome.IMPORTED
    run.replaced_by = None
    run.save(update_fields=["outcome", "replaced_by"])
    return changes
