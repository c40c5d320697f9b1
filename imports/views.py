"""Staff pages of the importer (issue 3, "Web"): upload, preview, confirm or cancel; history.

    upload ─▶ staged file (named by its SHA-256, in the uploader's own folder, listed in the
              uploader's session) ─▶ preview page (report_preview, run afresh on every view)
                                          │ confirm: report_preview again, then report_draft
                                          ▼
                                     result page: a draft, nothing on the site yet
    history ─▶ publish, withdraw, discard (imports.publish_views: another staff member
               publishes; issue 11 §2)
    history ─▶ restore: a page of what restoring a replaced run will change (the restore run
               and rolled back, imports.restore_plan) ─▶ POST: the restore (run_restore,
               imports.publish: it changes the site's figures, so it is behind the gate)

Every view needs a logged-in user holding `imports.run_import`: anonymous visitors are sent to
the login page, anyone else gets 403. Restoring needs `imports.publish` as well (403 without),
as withdrawing does. The views read through the import services and render; the services write.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from partystats.errors import error_response
from units.reads.unit_page import breadcrumb

from .drafts import report_draft
from .forms import ColumnMappingForm, ConfirmForm, UploadForm
from .issues import Issue
from .layout import SheetHeader
from .models import ImportRun, RunEvent
from .preview import Preview
from .publish import PublishRefused, restorer_refusal, run_actions, run_restore
from .restore_plan import restore_plan
from .review import (
    COMMUNE_METRICS,
    communes_before_after,
    errors_csv_rows,
    unit_summary_table,
)
from .services import ImportRefused
from .staging import Staged, staged_get, staged_list, staged_preview, unstage, upload_stage
from .template import template_workbook
from .upload import UploadLimit

PERMISSION = "imports.run_import"
HISTORY_PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "village-report-template.xlsx"


def staff_only(view):
    """Log in first (anonymous visitors → the login page), then the permission (others → 403)."""
    return login_required(permission_required(PERMISSION, raise_exception=True)(view))


def _gone(request: HttpRequest, staged: Staged) -> HttpResponse:
    unstage(request, staged)
    messages.error(request, _("The uploaded file is no longer kept: upload it again."))
    return redirect("imports:upload")


def _preview_render(
    request: HttpRequest,
    staged: Staged,
    preview: Preview,
    *,
    refused: str = "",
    status: int = 200,
    mapping_form: ColumnMappingForm | None = None,
) -> HttpResponse:
    # Figures from a report with errors leave out the rows in error: shown only once it has none.
    before_date, communes, unit_columns, unit_rows = None, [], [], []
    if preview.ok and preview.communes:
        before_date, communes = communes_before_after(preview)
    if preview.ok:
        unit_columns, unit_rows = unit_summary_table(preview)
    header = header_to_map(preview)
    if mapping_form is None and header is not None:
        mapping_form = ColumnMappingForm(header=header, date=preview.date)
    context = {
        "staged": staged,
        "preview": preview,
        "shape_label": ImportRun.Shape(preview.shape).label if preview.shape else "",
        "before_date": before_date,
        "communes": communes,
        # No "District" column for a report from 1/7/2025: there are no districts.
        "commune_districts": any(change.figures.district for change in communes),
        "commune_metrics": [label for _key, label in COMMUNE_METRICS],
        "unit_columns": unit_columns,
        "unit_rows": unit_rows,
        "confirm_form": ConfirmForm(initial={"replace": staged.replace}),
        "refused": refused,
        "mapping_form": mapping_form,
    }
    return render(request, "imports/preview.html", context, status=status)


def header_to_map(preview: Preview) -> SheetHeader | None:
    """The header the column-mapping step offers: the first of a sheet with errors, else the
    first read (one sheet's choices serve every sheet with the same headers)."""
    in_error = {issue.sheet for issue in preview.errors}
    for header in preview.headers:
        if header.sheet in in_error:
            return header
    return preview.headers[0] if preview.headers else None


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


@csrf_exempt  # checked by _upload_receive, once the upload limit is in place
@staff_only
def upload(request: HttpRequest) -> HttpResponse:
    """The upload form. The file is received through UploadLimit, which stops at
    IMPORT_MAX_UPLOAD_BYTES. Upload handlers must be in place before anything reads
    request.POST, and Django's CSRF check does: so this view is exempt from the middleware's
    check and makes it itself, after (Django docs, "Modifying upload handlers on the fly")."""
    limit = UploadLimit(request, limit=settings.IMPORT_MAX_UPLOAD_BYTES)
    request.upload_handlers.insert(0, limit)
    return _upload_receive(request, limit)


@csrf_protect
def _upload_receive(request: HttpRequest, limit: UploadLimit) -> HttpResponse:
    form = UploadForm()
    if request.method == "POST":
        fields, files = request.POST, request.FILES  # the upload is received here
        form = UploadForm(fields, files, refused_size=limit.refused_size)
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
        run = report_draft(
            preview=preview,
            data=staged.path.read_bytes(),
            replace=replace,
            user=request.user,
            date=staged.date,
        )
    except ImportRefused as refusal:
        status = 400 if preview.errors else 409
        text = _refusal_text(preview, refusal.issues)
        return _preview_render(request, staged, preview, refused=text, status=status)
    unstage(request, staged)
    return redirect("imports:run", run_id=run.id)


@staff_only
@require_POST
def columns(request: HttpRequest, token: str) -> HttpResponse:
    """The column-mapping step: remember which column is which for this file's headers, then
    show the preview again, read with them."""
    staged = staged_get(request, token)
    if not staged.path.is_file():
        return _gone(request, staged)
    preview = staged_preview(request, staged)
    header = next((h for h in preview.headers if h.sheet == request.POST.get("sheet")), None)
    if header is None:
        messages.error(request, _("This sheet's header has changed: choose the columns again."))
        return redirect("imports:preview", token=token)
    form = ColumnMappingForm(request.POST, header=header, date=preview.date)
    if form.is_valid() and form.save(request.user) is not None:
        messages.success(
            request,
            _("Columns remembered for files with these headers: the file is read with them."),
        )
        return redirect("imports:preview", token=token)
    return _preview_render(request, staged, preview, status=400, mapping_form=form)


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
    run.actions = run_actions(run, request.user)
    units = [*breadcrumb(run.scope), run.scope] if run.scope else []
    events = run.events.select_related("user")
    return render(request, "imports/run.html", {"run": run, "units": units, "events": events})


@staff_only
def history(request: HttpRequest) -> HttpResponse:
    """Every run, latest first, with who published, withdrew, restored or discarded it and when,
    and the actions the user may take (imports.publish.run_actions)."""
    runs = ImportRun.objects.select_related("user", "scope", "replaced_by").order_by("-started")
    runs = runs.prefetch_related(Prefetch("events", RunEvent.objects.select_related("user")))
    page = Paginator(runs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    for run in page.object_list:
        run.actions = run_actions(run, request.user)
    return render(request, "imports/history.html", {"page": page, "runs": page.object_list})


@staff_only
@require_http_methods(["GET", "HEAD", "POST"])
def restore(request: HttpRequest, run_id: int) -> HttpResponse:
    """GET: what restoring the run will change (dates, units, villages before → after), with a
    button; POST: the restore. Both refused (403) to staff without the permission to publish."""
    run = get_object_or_404(ImportRun.objects.select_related("scope"), pk=run_id)
    refusal = restorer_refusal(request.user)
    if refusal is not None:
        return error_response(request, 403, refusal.message)
    if request.method == "POST":
        return _restore_do(request, run)
    try:
        plan = restore_plan(run)
    except ImportRefused as refusal:
        messages.error(request, " ".join(issue.message for issue in refusal.issues))
        return redirect("imports:history")
    return render(request, "imports/restore.html", {"run": run, "plan": plan})


def _restore_do(request: HttpRequest, run: ImportRun) -> HttpResponse:
    try:
        run_restore(run, user=request.user)
    except PublishRefused as refusal:
        messages.error(request, " ".join(issue.message for issue in refusal.issues))
    else:
        messages.success(
            request,
            _("Import #%(id)s restored: its figures are current again.") % {"id": run.id},
        )
    return redirect("imports:history")
