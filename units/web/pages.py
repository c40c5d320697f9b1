"""Public, read-only pages. Each view reads its query string, calls a selector, renders."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from partystats.errors import BadQuery, not_found_by_number
from units.models import Coverage, Unit
from units.reads import paragraph
from units.reads.dates import BadDate, parse_date, periods_with_coverage
from units.reads.lineage import UnitElsewhere
from units.reads.targets import RESOLUTION_START
from units.reads.unit_page import (
    ChildRank,
    NoFigures,
    NoFiguresAtDate,
    UnitNotFound,
    breadcrumb,
    no_figures_read,
    unit_page_select,
)
from units.reads.village_page import village_history, village_read

LIST_AT_MOST = (
    250  # villages per change or at-risk list on a unit page (the 210 new cells of 2017 fit)
)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The provinces with data; with a single one, go straight to it."""
    periods = periods_with_coverage()
    if not periods:
        return empty_site(request)
    latest = periods[-1]
    # Every province standing at the latest date with figures at any date: one whose reports
    # stop earlier has no coverage at the latest date, and was left out when that was asked.
    provinces = list(
        Unit.objects.provinces()
        .valid_on(latest.date)
        .filter(Exists(Coverage.objects.filter(unit=OuterRef("pk"))))
        .annotate(figures_date=latest_reported_date())
        .order_by("sort_key")
    )
    if len(provinces) == 1:
        return redirect("unit", unit_id=provinces[0].id)
    return render(request, "units/home.html", {"provinces": provinces, "period": latest})


def latest_reported_date() -> Subquery:
    """A province's latest date at which a village of it was reported: the date its figures
    are from, and where its page opens (`latest_reported`); a province reporting less often
    than the others has an earlier one than the site's. In the provinces' own query."""
    reported = Coverage.objects.filter(unit=OuterRef("pk"), not_reported__lt=F("villages"))
    return Subquery(reported.order_by("-period__date").values("period__date")[:1])


def empty_site(request: HttpRequest) -> HttpResponse:
    """A site with no figures yet. The command that loads the demo is for whoever runs the
    site (staff, or a developer with DEBUG on), not for its visitors."""
    for_operators = settings.DEBUG or request.user.is_staff
    return render(request, "units/empty.html", {"load_demo_hint": for_operators})


def not_a_date_message(error: BadDate) -> str:
    return _("Not a date: %(value)s (use YYYY-MM-DD)") % {"value": error}


@require_safe
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    try:
        answer = unit_page_select(
            unit_id=unit_id,
            date=parse_date(request.GET.get("date")),
            compare=parse_date(request.GET.get("compare")),
            series=request.GET.get("series"),
            rank=request.GET.get("rank"),
            baseline=RESOLUTION_START,
        )
    except BadDate as error:  # a 400 that says what was wrong (partystats/errors.py)
        raise BadQuery(not_a_date_message(error)) from error
    except UnitNotFound as error:
        raise Http404(_("No province, district or commune has this number.")) from error
    except NoFiguresAtDate as error:
        return unit_no_figures(request, no_figures_read(*error.args))
    if isinstance(answer, UnitElsewhere):
        return unit_elsewhere(request, answer)
    page = answer
    context = {
        "page": page,
        "unit": page.unit,
        "period": page.period,
        "periods": page.periods,
        "crumbs": breadcrumb(page.unit),
        "ended": page.unit.valid_to,
        "ranks": ChildRank,
        # A province has thousands of villages: its lists stop here (the page stays light).
        "list_at_most": LIST_AT_MOST,
        "list_slice": f":{LIST_AT_MOST}",
        "published_elsewhere": page.published_elsewhere,
        "paragraph": paragraph.report_paragraph(page, permalink=_permalink(request, page)),
        # Under a village list that counts from the unit this one continues, as the paragraph
        # says it.
        "continued_note": paragraph.continued_note(page.continues),
        **_choices_kept(request, page),
    }
    return render(request, "units/unit.html", context)


def _choices_kept(request: HttpRequest, page) -> dict:
    """What the page's controls carry over of the visitor's other choices: the series and the
    ranking in both date forms (`kept_fields`), and in the ranking's and the series' links the
    choices they do not change (`rank_keep`, `series_keep`: "&series=regrouped&compare=…")."""
    asked = {
        "series": page.rule if request.GET.get("series") else None,
        "rank": page.rank if request.GET.get("rank") else None,
        "compare": page.compare_asked.isoformat() if page.compare_asked else None,
    }

    def keep(*names: str) -> str:
        return "".join(f"&{urlencode({name: asked[name]})}" for name in names if asked[name])

    return {
        "kept_fields": {name: asked[name] for name in ("series", "rank") if asked[name]},
        "rank_keep": keep("series", "compare"),
        "series_keep": keep("rank", "compare"),
    }


def _permalink(request: HttpRequest, page) -> str:
    url = f"{reverse('unit', args=[page.unit.id])}?date={page.period.date}"
    return request.build_absolute_uri(url)


def unit_elsewhere(request: HttpRequest, answer: UnitElsewhere) -> HttpResponse:
    """A permalink to a unit at a date outside its life: to the one unit that stood for it
    then; a list of them when there were several (300); 404 when none did."""
    date = answer.date.isoformat()
    if answer.sole is not None:
        return redirect(f"{reverse('unit', args=[answer.sole.id])}?date={date}")
    status = 300 if answer.standing else 404
    context = {"answer": answer, "unit": answer.unit, "crumbs": breadcrumb(answer.unit)}
    return render(request, "units/unit_elsewhere.html", context, status=status)


def unit_no_figures(request: HttpRequest, answer: NoFigures) -> HttpResponse:
    """A date of the unit's life before its first report: 404, saying where the figures are."""
    context = {"no_figures": answer, "unit": answer.unit, "crumbs": breadcrumb(answer.unit)}
    if answer.first is not None:
        context["first_url"] = f"{reverse('unit', args=[answer.unit.id])}?date={answer.first.date}"
    return render(request, "units/unit_no_figures.html", context, status=404)


@require_safe
def village_detail(request: HttpRequest, village_id: int) -> HttpResponse:
    village = village_read(village_id)
    if village is None:
        raise Http404(not_found_by_number("Village"))
    history = village_history(village, periods_with_coverage())
    crumbs = history.placements[-1].crumbs if history.placements else []
    context = {"history": history, "village": village, "crumbs": crumbs}
    return render(request, "units/village.html", context)
