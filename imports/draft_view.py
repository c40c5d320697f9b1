"""A draft seen on the site by staff, at the real URLs, before it is published (issue 11 §2).

    run page ─▶ "View on the site" (POST: the draft's id kept in the staff member's session)
             ─▶ the draft's unit page; every page they open then is rendered with the draft
                written, inside a transaction that is always rolled back, under a banner
             ─▶ "Stop viewing the draft" (POST, in the banner) ─▶ the published figures again

Why the session and not `?draft=` in the URL: the links between pages keep working as they are,
the public URLs stay clean, and no link copied from a draft view carries it to someone else.

Only the site's own pages (DRAFT_PAGES) show a draft. Exports, the API, the feeds and embeds
leave the site without the banner, so they always answer the published figures.

The draft is written as publishing would write it (`imports.publish.draft_apply`): the figures,
their coverage and a data version bump, all rolled back before the response leaves, so nobody
else ever sees them: the version bump is never committed (no other request reads it, and
`data_committed`, which warms the page cache, is only sent on commit); the page answers
`no-store, private`, which the page cache and the validators never keep (partystats.middleware;
a signed-in visitor's request does not reach them anyway). This middleware comes before
`ReadSnapshotMiddleware`, whose READ ONLY transaction (PostgreSQL) could not write: inside this
one it keeps it. While the page renders, the transaction holds the rows it wrote: an import or a
publish at that moment waits for the render to end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import router, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from partystats.middleware import public_read

from .models import ImportRun
from .publish import draft_apply
from .services import ImportRefused
from .views import PERMISSION, staff_only

SESSION_KEY = "draft_view"  # the id of the draft the staff member views on the site
# The site's pages (units/urls.py names) that show a draft; anything else (exports, API, feeds,
# embeds) answers the published figures.
DRAFT_PAGES = {"home", "unit", "village", "coverage", "search", "targets", "target"}
GONE = gettext_lazy("Import #%(id)s is not a draft any more (published or discarded since).")


@dataclass
class DraftView:
    """What the banner says: the draft, and why it is not on the page if it could not be."""

    run_id: int
    run: ImportRun | None = None
    refusals: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return not self.refusals


class DraftViewMiddleware:
    """For a staff member viewing a draft, render the site's pages with the draft written in a
    transaction rolled back; everyone else passes straight through (one session lookup)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        run_id = draft_asked(request)
        if run_id is None:
            return self.get_response(request)
        using = router.db_for_write(ImportRun)
        with transaction.atomic(using=using):
            request.draft_view = draft_open(run_id, using)
            response = self.get_response(request)
            if response.streaming:  # read now, while the draft is there
                response.streaming_content = [b"".join(response.streaming_content)]
            transaction.set_rollback(True, using=using)
        add_never_cache_headers(response)  # no-store, private: never kept, by anyone
        return response


def draft_asked(request: HttpRequest) -> int | None:
    """The draft this request should show: a staff member's, on one of the site's pages."""
    session = getattr(request, "session", None)
    run_id = session.get(SESSION_KEY) if session is not None else None
    if run_id is None or not public_read(request) or not draft_page(request):
        return None
    if not request.user.has_perm(PERMISSION):  # logged out, or no longer staff
        return None
    return run_id


def draft_page(request: HttpRequest) -> bool:
    """One of the site's HTML pages (not an export of the coverage table: `?format=`)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.url_name in DRAFT_PAGES and request.GET.get("format", "html") == "html"


def draft_open(run_id: int, using: str) -> DraftView:
    """Write the draft in a savepoint of the caller's transaction; a draft that no longer
    validates (or is no longer a draft) is left out and the banner says why."""
    view = DraftView(run_id, ImportRun.objects.select_related("scope").filter(pk=run_id).first())
    if view.run is None or view.run.outcome != ImportRun.Outcome.DRAFT:
        view.refusals = [str(GONE % {"id": run_id})]
        return view
    try:
        with transaction.atomic(using=using):
            # A copy of its own: the write fills in the run it is given as if published.
            draft_apply(ImportRun.objects.get(pk=run_id))
    except ImportRefused as refused:
        view.refusals = [issue.message for issue in refused.issues]
    return view


def draft_banner(request: HttpRequest) -> dict:
    """Context processor: the banner of a draft view (templates/imports/_draft_banner.html)."""
    return {"draft_view": getattr(request, "draft_view", None)}


# ---------------------------------------------------------------------------- start, stop


@staff_only
@require_POST
def draft_view_start(request: HttpRequest, run_id: int) -> HttpResponse:
    """From the run page: view the draft on the site, from its own unit page at its date."""
    run = get_object_or_404(ImportRun, pk=run_id)
    if run.outcome != ImportRun.Outcome.DRAFT:
        messages.error(request, str(GONE % {"id": run.id}))
        return redirect("imports:run", run.id)
    request.session[SESSION_KEY] = run.id
    if run.scope_id is None or run.date is None:
        return redirect("home")
    return redirect(f"{reverse('unit', args=[run.scope_id])}?date={run.date.isoformat()}")


@login_required  # as every page under /import/; not staff_only: one who lost it may still stop
@require_POST
def draft_view_stop(request: HttpRequest) -> HttpResponse:
    """From the banner: the published figures again, on the same page."""
    draft_view_end(request)
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if safe else "home")


def draft_view_end(request: HttpRequest, run: ImportRun | None = None) -> None:
    """Stop showing a draft (only `run` when given: it was just published or discarded)."""
    if run is None or request.session.get(SESSION_KEY) == run.id:
        request.session.pop(SESSION_KEY, None)
