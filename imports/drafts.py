"""Drafts: a confirmed import waits as a draft until a second staff member publishes it (issue 11
§2, the publish gate; docs/import-format.md, "What an import does").

A draft is an `ImportRun` with outcome DRAFT and its workbook (`DraftWorkbook`: the file's bytes
and the options it was confirmed with). Nothing of it is written to the figure tables, so no
public read path (pages, API, exports, search, feeds, embeds, the page cache) can show it:
`imports.publish` writes it, `imports.draft_view` shows it to staff in a transaction rolled back.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from units.models import DataVersion

from .cells import column_letter
from .header import ColumnChoices
from .mapping import choices_from_letters
from .models import ColumnMapping, DraftWorkbook, ImportRun
from .preview import Preview
from .services import (
    ImportRefused,
    replace_needed,
    report_import,
    report_preview,
    run_record,
)

ALREADY_DRAFT = _("Same file as draft #%(id)s, waiting to be published: nothing to do.")


def report_draft(
    *,
    preview: Preview,
    data: bytes,
    replace: bool = False,
    user=None,
    date: datetime.date | None = None,
    columns: ColumnChoices | None = None,
) -> ImportRun:
    """Record a previewed report as a draft, with its workbook and options; writes no figure.

    What `report_import` would refuse now is refused the same way (errors; figures held for the
    date and scope without `replace`), recorded as a refused run; the same file as a published
    run or a waiting draft is a no-op recorded as "unchanged"."""
    if preview.same_file is not None or preview.errors:
        return report_import(preview=preview, replace=replace, user=user)
    waiting = ImportRun.objects.filter(sha256=preview.sha256, outcome=ImportRun.Outcome.DRAFT)
    pending = waiting.order_by("started").first()
    if pending is not None:
        message = gettext(ALREADY_DRAFT) % {"id": pending.id}
        return run_record(preview, user, ImportRun.Outcome.UNCHANGED, message)
    issue = None if replace else replace_needed(preview)
    if issue is not None:
        run = run_record(preview, user, ImportRun.Outcome.REFUSED, issue.message)
        raise ImportRefused([issue], run)
    with transaction.atomic():
        run = run_record(preview, user, ImportRun.Outcome.DRAFT, "")  # summary: its counts
        workbook_keep(run, preview, data, replace=replace, date=date, columns=columns)
    return run


def workbook_keep(
    run: ImportRun,
    preview: Preview,
    data: bytes,
    *,
    replace: bool,
    date: datetime.date | None,
    columns: ColumnChoices | None,
) -> DraftWorkbook:
    """Keep the file and its options: the column choices given (`--column`) and those
    remembered for its headers now, so that it is read later exactly as it was previewed."""
    signatures = [header.signature for header in preview.headers]
    remembered = ColumnMapping.objects.filter(signature__in=signatures)
    return DraftWorkbook.objects.create(
        run=run,
        data=data,
        date=date,
        replace=replace,
        columns={column_letter(index): key for index, key in (columns or {}).items()},
        remembered={mapping.signature: mapping.columns for mapping in remembered},
    )


def draft_preview(run: ImportRun) -> Preview:
    """The kept workbook read and validated again, against the data of now."""
    kept = run.workbook
    remembered = {
        signature: choices_from_letters(letters) for signature, letters in kept.remembered.items()
    }
    return report_preview(
        path_or_file=io.BytesIO(bytes(kept.data)),
        file_name=run.file_name,
        date=kept.date,
        user=run.user,
        columns=choices_from_letters(kept.columns) or None,
        remembered=remembered,
    )


@dataclass(frozen=True)
class DraftReading:
    """A draft's workbook read and validated before the write lock is taken (a national report
    takes seconds, which no other writer should wait for), and the data version it was
    validated against."""

    preview: Preview
    version: tuple


def draft_read_ahead(run: ImportRun) -> DraftReading:
    """`draft_preview`, outside any write lock."""
    version = _version_now()  # before the reading: a write committed during it changes it
    return DraftReading(draft_preview(run), version)


def draft_preview_now(run: ImportRun, reading: DraftReading | None) -> Preview:
    """Under the write lock: the reading made before it when nothing was written since (every
    write of figures, villages or runs bumps the data version), else the workbook read and
    validated again, against what was written meanwhile."""
    if reading is not None and reading.version == _version_now():
        return reading.preview
    return draft_preview(run)


def _version_now() -> tuple:
    version = DataVersion.current()
    return (version.number, version.changed)
