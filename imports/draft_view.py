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
one it keeps it.

What waits for what. The draft's workbook is read and validated again first, outside any
transaction (a national report takes seconds to read, which no import should wait for), as an
import's confirm reads its file before it writes; inside the transaction it is read again only
if something was written meanwhile (`imports.drafts.draft_preview_now`). Then the draft is
written and the page rendered in one transaction that takes its turn with the writers
(units.domain.transactions.trial_write): on SQLite it waits at its start for an import or a
publish committing at that moment, up to the busy timeout (then a 503 asking to try again,
partystats.errors), and shows the page with what that one wrote. (With a deferred `BEGIN` it
failed with "database is locked", a 500.) While the page renders, the transaction holds the
write lock (SQLite) or the rows it wrote (PostgreSQL): an import or a publish at that moment
waits for the render to end. That cannot be shortened: the draft's figures exist only inside
this uncommitted transaction, and every query of the render must read them there. The site's
views render their templates themselves (`render()`), and the templates read as they render
(the unit page's figures, base.html's synthetic flag from the data version the draft bumped):
rendering after the rollback would need every page's reads gathered first, page by page.
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
from units.domain.transactions import trial_write

from .drafts import DraftReading, draft_preview_now, draft_read_ahead
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
    reading: DraftReading | None = None  # its workbook read again, to be written

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
        request.draft_view = draft_read(run_id)
        if request.draft_view.shown:
            response = self.draft_rendered(request)
        else:  # nothing to write: the published figures, under a banner saying why
            response = self.get_response(request)
        add_never_cache_headers(response)  # no-store, private: never kept, by anyone
        return response

    def draft_rendered(self, request: HttpRequest) -> HttpResponse:
        """The page rendered with the draft written, in a transaction always rolled back that
        waits for a writer of another connection to commit first (SQLite)."""
        using = router.db_for_write(ImportRun)
        with trial_write(using):
            draft_write(request.draft_view, using)
            response = self.get_response(request)
            if response.streaming:  # read now, while the draft is there
                response.streaming_content = [b"".join(response.streaming_content)]
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


def draft_read(run_id: int) -> DraftView:
    """The draft and its workbook read and validated again, before any write lock is taken; a
    run that is no longer a draft is left out and the banner says why."""
    view = DraftView(run_id, ImportRun.objects.select_related("scope").filter(pk=run_id).first())
    if view.run is None or view.run.outcome != ImportRun.Outcome.DRAFT:
        view.refusals = [str(GONE % {"id": run_id})]
    else:
        view.reading = draft_read_ahead(view.run)
    return view


def draft_write(view: DraftView, using: str) -> None:
    """Write the draft in a savepoint of the caller's transaction (read again first if anything
    was written since it was read); a draft that no longer validates, or was published or
    discarded since it was read, is left out and the banner says why."""
    # A copy of its own: the write fills in the run it is given as if published.
    run = ImportRun.objects.filter(pk=view.run_id, outcome=ImportRun.Outcome.DRAFT).first()
    if run is None:
        view.refusals = [str(GONE % {"id": view.run_id})]
        return
    try:
        with transaction.atomic(using=using):
            draft_apply(run, draft_preview_now(run, view.reading))
    except ImportRefused as refused:
        view.refusals = [issue.message for issue in refused.issues]


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
