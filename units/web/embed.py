"""Charts for other sites' pages: `/embed/u/<id>/<chart>/`, one chart with its data table (for
screen readers) and its source line, which other sites may put in a frame. `?lang=en` for
English: a frame in another site does not get the visitor's language cookie.

Only these pages relax the Content-Security-Policy's `frame-ancestors` (to
settings.EMBED_FRAME_ANCESTORS, any site by default) and drop X-Frame-Options; every other page
keeps `frame-ancestors 'none'` and `X-Frame-Options: DENY` (README, Security). The relaxed policy
is django-csp's own, built with a per-view replacement, and written on the response by the view,
so the page cache stores and serves it with the page (docs/deployment.md): the CSP middleware
leaves a response that already has its header alone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from csp.constants import HEADER
from csp.utils import build_policy
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from units.reads.unit_page import NoFiguresAtDate, UnitNotFound, unit_page_select

DRAWN = {"villages": ("villages_no_members", "villages_joined"), "members": ("members",)}
CHARTS = tuple(DRAWN)


def embeddable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let other sites frame the view's page, and nothing else about the policy changes."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        replace = {"frame-ancestors": list(settings.EMBED_FRAME_ANCESTORS)}
        response[HEADER] = build_policy(replace=replace)
        return response

    return xframe_options_exempt(wrapped)


@require_safe
@embeddable
def chart(request: HttpRequest, unit_id: int, chart_name: str) -> HttpResponse:
    if chart_name not in CHARTS:
        raise Http404(
            _("No chart is named “%(name)s”: villages or members.") % {"name": chart_name}
        )
    # The unit page's own selector: the embedded chart is the page's chart, same rule.
    try:
        page = unit_page_select(unit_id=unit_id, series=request.GET.get("series"))
    except UnitNotFound as error:
        raise Http404(_("No province, district or commune has this number.")) from error
    except NoFiguresAtDate as error:
        raise Http404(_("No figures for this unit at or before this date.")) from error
    published = page.published_series
    drawn = DRAWN[chart_name]  # the published figures this chart shows, whose sources it names
    context = {
        "unit": page.unit,
        "chart_name": chart_name,
        "series": page.series,
        "series_rule": page.rule,
        "chart": page.chart,
        "synthetic": page.chart_synthetic,
        "sources": list({f.source_id: f.source for f in published if f.metric in drawn}.values()),
    }
    with translation.override(embed_language(request)):
        return render(request, "units/embed.html", context)


def embed_language(request: HttpRequest) -> str:
    """`?lang=en` or `vi`: a frame in another site gets no cookie of ours (third-party)."""
    wanted = request.GET.get("lang")
    return wanted if wanted in dict(settings.LANGUAGES) else translation.get_language()
