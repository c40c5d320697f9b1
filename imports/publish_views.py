"""Staff pages of the publish gate (issue 11 §2): publish a draft, withdraw a published import,
discard a draft, each after a page that says what will change (GET), done by POST only.

    history ─▶ publish: what publishing the draft will change (the publish run and rolled
               back, imports.publish_plan) ─▶ POST: run_publish ─▶ history
            ─▶ withdraw: the same for the undo ─▶ POST: run_withdraw ─▶ history
            ─▶ discard (POST, from the history) ─▶ history

Who may do what is decided in imports.publish; a refusal for who (the permission, four eyes)
answers 403 with the reason, one for the data (the draft no longer validates) goes back to the
history with the reason, the draft staying a draft.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from partystats.errors import error_response

from .draft_view import draft_view_end
from .issues import Issue
from .models import ImportRun
from .publish import (
    NOT_PUBLISHER,
    PUBLISH_PERMISSION,
    PublishRefused,
    draft_discard,
    publisher_refusal,
    run_publish,
    run_withdraw,
)
from .publish_plan import publish_plan, withdraw_plan
from .views import staff_only


def _run(run_id: int) -> ImportRun:
    return get_object_or_404(ImportRun.objects.select_related("scope", "user"), pk=run_id)


def _refused(request: HttpRequest, issues: list[Issue]) -> HttpResponse:
    messages.error(request, " ".join(issue.message for issue in issues))
    return redirect("imports:history")


@staff_only
@require_http_methods(["GET", "HEAD", "POST"])
def publish(request: HttpRequest, run_id: int) -> HttpResponse:
    """GET: what publishing the draft will change, with a button; POST: the publish."""
    run = _run(run_id)
    refusal = publisher_refusal(run, request.user)
    if refusal is not None:
        return error_response(request, 403, refusal.message)
    done = _("Import #%(id)s published: its figures are on the site.")
    return _confirmed(request, run, publish_plan, run_publish, "imports/publish.html", done)


@staff_only
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request: HttpRequest, run_id: int) -> HttpResponse:
    """GET: what withdrawing the import will change, with a button; POST: the withdraw."""
    run = _run(run_id)
    if not request.user.has_perm(PUBLISH_PERMISSION):
        return error_response(request, 403, str(NOT_PUBLISHER))
    done = _("Import #%(id)s withdrawn: the figures are as they were before it.")
    return _confirmed(request, run, withdraw_plan, run_withdraw, "imports/withdraw.html", done)


def _confirmed(request, run, plan_make, act, template: str, done: str) -> HttpResponse:
    """The confirmation step publish and withdraw share: GET shows what `act` will change (its
    plan), POST does it and goes back to the history; a refusal says why either way."""
    try:
        if request.method != "POST":
            return render(request, template, {"run": run, "plan": plan_make(run)})
        act(run, user=request.user)
    except PublishRefused as refused:
        return _refused(request, refused.issues)
    draft_view_end(request, run)  # published: nothing left to view as a draft
    messages.success(request, done % {"id": run.id})
    return redirect("imports:history")


@staff_only
@require_POST
def discard(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    try:
        draft_discard(run, user=request.user)
    except PublishRefused as refused:
        return _refused(request, refused.issues)
    draft_view_end(request, run)
    messages.info(request, _("Draft #%(id)s discarded: nothing was published.") % {"id": run.id})
    return redirect("imports:history")
