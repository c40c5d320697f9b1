"""Staff pages of the importer (issue 3, "Web"): upload, preview, confirm or cancel; history.

    upload ─▶ staged file (named by its SHA-256, in the uploader's own folder, listed in the
              uploader's session) ─▶ preview page (report_preview, run afresh on every view)
                                          │ confirm: report_preview again, then report_import
                                          ▼
                                     result page ─▶ the unit pages at the report's date

Every view needs a logged-in user holding `imports.run_import`: anonymous visitors are sent to
the login page, anyone else gets 403. The views read through the import services and render;
the services write.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from units.exports import neutralise
from units.models import Coverage
from units.selectors import breadcrumb

from . import fields as f
from .forms import ConfirmForm, UploadForm
from .issues import Issue, cell_text, column_letter
from .models import ImportRun
from .preview import CommuneFigures, Preview
from .reader import UnreadableWorkbook, workbook_read
from .services import ImportRefused, report_import, report_preview, report_restore
from .template import template_workbook

PERMISSION = "imports.run_import"
SESSION_KEY = "imports.staged"
STAGED_MAX_AGE = 24 * 3600  # seconds an abandoned upload is kept
HISTORY_PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "village-report-template.xlsx"


def staff_only(view):
    """Log in first (anonymous visitors → the login page), then the permission (others → 403)."""
    return login_required(permission_required(PERMISSION, raise_exception=True)(view))


# ---------------------------------------------------------------------------- staged uploads


@dataclass(frozen=True)
class Staged:
    """An uploaded file waiting for confirm or cancel. `token` is its SHA-256."""

    token: str
    path: Path
    file_name: str  # as the client sent it: shown and recorded, never used in a path
    date: datetime.date | None
    replace: bool


def _staging_dir(user) -> Path:
    return Path(settings.IMPORT_STAGING_DIR) / f"user-{int(user.pk)}"


def upload_stage(request: HttpRequest, upload, *, date, replace: bool) -> str:
    """Write the upload into the user's staging folder under its SHA-256; returns the hash."""
    directory = _staging_dir(request.user)
    directory.mkdir(parents=True, exist_ok=True)
    _stale_remove(directory)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".upload-", delete=False) as out:
        try:
            for chunk in upload.chunks():
                digest.update(chunk)
                out.write(chunk)
        except BaseException:
            Path(out.name).unlink(missing_ok=True)
            raise
    token = digest.hexdigest()
    os.replace(out.name, directory / token)
    staged = request.session.get(SESSION_KEY, {})
    staged[token] = {
        "file_name": Path(upload.name or "").name[:255],
        "date": date.isoformat() if date else None,
        "replace": replace,
    }
    request.session[SESSION_KEY] = staged
    return token


def _stale_remove(directory: Path) -> None:
    """Uploads abandoned (never confirmed or cancelled) for a day are deleted."""
    limit = time.time() - STAGED_MAX_AGE
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def staged_get(request: HttpRequest, token: str) -> Staged:
    """The upload `token` of this user's session; 404 for anyone else's."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None:
        raise Http404(_("No such upload: upload the file again."))
    date = datetime.date.fromisoformat(entry["date"]) if entry["date"] else None
    path = _staging_dir(request.user) / token
    return Staged(token, path, entry["file_name"], date, bool(entry["replace"]))


def staged_list(request: HttpRequest) -> list[dict]:
    return [
        {"token": token, "file_name": entry["file_name"]}
        for token, entry in request.session.get(SESSION_KEY, {}).items()
    ]


def unstage(request: HttpRequest, staged: Staged) -> None:
    staged.path.unlink(missing_ok=True)
    entries = request.session.get(SESSION_KEY, {})
    entries.pop(staged.token, None)
    request.session[SESSION_KEY] = entries


def staged_preview(request: HttpRequest, staged: Staged) -> Preview:
    return report_preview(
        path_or_file=staged.path, file_name=staged.file_name, date=staged.date, user=request.user
    )


def _gone(request: HttpRequest, staged: Staged) -> HttpResponse:
    unstage(request, staged)
    messages.error(request, _("The uploaded file is no longer kept: upload it again."))
    return redirect("imports:upload")


# ---------------------------------------------------------------------------- preview tables


COMMUNE_METRICS = (
    ("villages", gettext_lazy("Villages")),
    ("own_cell", gettext_lazy("With their own cell")),
    ("joined", gettext_lazy("Attending a joined cell")),
    ("no_members", gettext_lazy("With no member")),
    ("not_reported", gettext_lazy("Not reported")),
    ("members", gettext_lazy("Members")),
)


@dataclass
class CommuneChange:
    """A commune's figures as the site holds them now and as they will be after the import."""

    figures: CommuneFigures
    cells: list[tuple[int | None, int, bool]]  # (before, after, changed) per COMMUNE_METRICS


def communes_before_after(preview: Preview) -> tuple[datetime.date | None, list[CommuneChange]]:
    """Per commune, the coverage held at the latest date up to the report's (the "before"),
    beside the report's own figures (the "after"). Two queries, whatever the number of communes."""
    ids = [row.commune.id for row in preview.communes]
    held = Coverage.objects.filter(unit_id__in=ids, period__date__lte=preview.date)
    before_date = held.aggregate(latest=Max("period__date"))["latest"] if ids else None
    before = {row.unit_id: row for row in held.filter(period__date=before_date)}
    changes = []
    for row in preview.communes:
        after = {
            "villages": row.villages + row.not_reported,
            "own_cell": row.own_cell,
            "joined": row.joined,
            "no_members": row.no_members,
            "not_reported": row.not_reported,
            "members": row.members,
        }
        held_row = before.get(row.commune.id)
        cells = []
        for key, _label in COMMUNE_METRICS:
            old = getattr(held_row, key) if held_row else None
            cells.append((old, after[key], old != after[key]))
        changes.append(CommuneChange(row, cells))
    return before_date, changes


def unit_summary_table(preview: Preview) -> tuple[list[str], list[tuple]]:
    """Unit summaries: the count columns the file has, and one row per unit."""
    if preview.units is None:
        return [], []
    present = {key for entry in preview.units.entries for key in entry.figures}
    columns = [field for field in f.UNIT_FIELDS if field.key in present]
    rows = [
        (entry, [entry.figures.get(field.key) for field in columns])
        for entry in preview.units.entries
    ]
    return [field.label for field in columns], rows


def _preview_render(
    request: HttpRequest,
    staged: Staged,
    preview: Preview,
    *,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    # Figures from a report with errors leave out the rows in error: shown only once it has none.
    before_date, communes, unit_columns, unit_rows = None, [], [], []
    if preview.ok and preview.communes:
        before_date, communes = communes_before_after(preview)
    if preview.ok:
        unit_columns, unit_rows = unit_summary_table(preview)
    context = {
        "staged": staged,
        "preview": preview,
        "shape_label": ImportRun.Shape(preview.shape).label if preview.shape else "",
        "before_date": before_date,
        "communes": communes,
        "commune_metrics": [label for _key, label in COMMUNE_METRICS],
        "unit_columns": unit_columns,
        "unit_rows": unit_rows,
        "confirm_form": ConfirmForm(initial={"replace": staged.replace}),
        "refused": refused,
    }
    return render(request, "imports/preview.html", context, status=status)


def _refusal_text(preview: Preview, issues: list[Issue]) -> str:
    if preview.errors:
        count = len(preview.errors)
        return ngettext(
            "Nothing was imported: this report has %(count)s error, listed below.",
            "Nothing was imported: this report has %(count)s errors, listed below.",
            count,
        ) % {"count": count}
    return _("Nothing was imported: %(reason)s") % {
        "reason": " ".join(issue.message for issue in issues)
    }


# ---------------------------------------------------------------------------- errors CSV


def errors_csv_rows(preview: Preview, path: Path) -> Iterator[list]:
    """One line per error (sheet, row, column, value, message) followed by the cells of the
    offending row as the file has them, under their column letters."""
    sheets = {}
    try:
        sheets = {sheet.name: sheet for sheet in workbook_read(path).sheets}
    except UnreadableWorkbook:
        pass  # the errors say why; there are no rows to show
    cells = []
    for issue in preview.errors:
        sheet = sheets.get(issue.sheet)
        row = (
            sheet.rows[issue.row - 1]
            if sheet and issue.row and issue.row <= len(sheet.rows)
            else []
        )
        cells.append(_trimmed(row))
    width = max((len(row) for row in cells), default=0)
    yield [_("Sheet"), _("Row"), _("Column"), _("Value"), _("Error")] + [
        column_letter(index) for index in range(width)
    ]
    for issue, row in zip(preview.errors, cells, strict=True):
        location = [issue.sheet, issue.row or "", issue.column_label, issue.value, issue.message]
        yield [_csv_cell(value) for value in location] + [_csv_cell(value) for value in row]


def _trimmed(row: list) -> list:
    end = len(row)
    while end and cell_text(row[end - 1]) == "":
        end -= 1
    return row[:end]


def _csv_cell(value) -> str | int | float:
    """Numbers stay numbers; text a spreadsheet would run as a formula is neutralised."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return neutralise(cell_text(value))
    return cell_text(value)


# ---------------------------------------------------------------------------- views


@staff_only
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        token = upload_stage(request, data["file"], date=data["date"], replace=data["replace"])
        return redirect("imports:preview", token=token)
    context = {
        "form": form,
        "limit": settings.IMPORT_MAX_UPLOAD_BYTES,
        "staged": staged_list(request),
    }
    return render(request, "imports/upload.html", context)


@staff_only
def template_download(request: HttpRequest) -> HttpResponse:
    """The village-report template, built from the importer's own field definitions."""
    buffer = io.BytesIO()
    template_workbook().save(buffer)
    disposition = content_disposition_header(as_attachment=True, filename=TEMPLATE_NAME)
    return HttpResponse(
        buffer.getvalue(), content_type=XLSX, headers={"Content-Disposition": disposition}
    )


@staff_only
def preview(request: HttpRequest, token: str) -> HttpResponse:
    staged = staged_get(request, token)
    if not staged.path.is_file():
        return _gone(request, staged)
    return _preview_render(request, staged, staged_preview(request, staged))


@staff_only
def errors_csv(request: HttpRequest, token: str) -> HttpResponse:
    staged = staged_get(request, token)
    if not staged.path.is_file():
        return _gone(request, staged)
    preview = staged_preview(request, staged)
    name = f"{Path(staged.file_name).stem or 'report'}-errors.csv"
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    csv.writer(response).writerows(errors_csv_rows(preview, staged.path))
    return response


@staff_only
@require_POST
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Import the staged file. The preview is made again: the database may have changed since
    the page was shown, and a report with errors is never imported."""
    staged = staged_get(request, token)
    if not staged.path.is_file():
        return _gone(request, staged)
    form = ConfirmForm(request.POST)
    replace = form.is_valid() and form.cleaned_data["replace"]
    preview = staged_preview(request, staged)
    try:
        run = report_import(preview=preview, replace=replace, user=request.user)
    except ImportRefused as refusal:
        status = 400 if preview.errors else 409
        text = _refusal_text(preview, refusal.issues)
        return _preview_render(request, staged, preview, refused=text, status=status)
    unstage(request, staged)
    return redirect("imports:run", run_id=run.id)


@staff_only
@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    staged = staged_get(request, token)
    unstage(request, staged)
    messages.info(
        request,
        _("Cancelled: %(name)s was deleted, nothing was imported.") % {"name": staged.file_name},
    )
    return redirect("imports:upload")


@staff_only
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(
        ImportRun.objects.select_related("user", "replaced_by", "scope__parent__parent"), pk=run_id
    )
    units = [*breadcrumb(run.scope), run.scope] if run.scope else []
    return render(request, "imports/run.html", {"run": run, "units": units})


@staff_only
def history(request: HttpRequest) -> HttpResponse:
    runs = ImportRun.objects.select_related("user", "scope", "replaced_by").order_by("-started")
    page = Paginator(runs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "imports/history.html", {"page": page, "runs": page.object_list})


@staff_only
@require_POST
def restore(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=run_id)
    try:
        report_restore(run, user=request.user)
    except ImportRefused as refusal:
        messages.error(request, " ".join(issue.message for issue in refusal.issues))
    else:
        messages.success(
            request,
            _("Import #%(id)s restored: its figures are current again.") % {"id": run.id},
        )
    return redirect("imports:history")
