"""Public, read-only pages. Each view resolves its unit and date, calls a selector, renders."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from units.models import Level, Unit, Village
from units.reads import paragraph, published_dates
from units.reads import unit_page as selectors

LIST_AT_MOST = (
    250  # villages per change or at-risk list on a unit page (the 210 new cells of 2017 fit)
)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The provinces with data; with a single one, go straight to it."""
    periods = selectors.periods_with_coverage()
    if not periods:
        return render(request, "units/empty.html", status=200)
    latest = periods[-1]
    provinces = list(
        Unit.objects.provinces().filter(coverage__period=latest).order_by("name").distinct()
    )
    if len(provinces) == 1:
        return redirect("unit", unit_id=provinces[0].id)
    return render(request, "units/home.html", {"provinces": provinces, "period": latest})


def _requested_date(request: HttpRequest):
    try:
        return selectors.parse_date(request.GET.get("date"))
    except selectors.BadDate as error:
        raise Http404(_("Not a date: %(value)s (use YYYY-MM-DD)") % {"value": error}) from error


@require_safe
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.select_related("parent__parent"), pk=unit_id)
    requested = _requested_date(request)
    all_periods = selectors.periods_with_coverage()
    if requested and not unit.is_valid_on(requested):
        # A permalink of a unit that did not exist on that date: go to the one that did.
        standing = selectors.unit_on(unit, requested)
        if standing is not None:
            return redirect(f"{reverse('unit', args=[standing.id])}?date={requested.isoformat()}")
    periods = selectors.periods_within(unit, all_periods)
    period = selectors.period_choose(requested, periods)
    if period is None:
        raise Http404(_("No figures for this unit at this date."))
    page = selectors.unit_page(unit, period, periods)
    rule, series = _series(request, unit)
    published = selectors.published_series(unit, page.predecessors + page.successors)
    since = _compare_period(request, page, periods)
    figures_now = selectors.figures_under(unit, period)
    context = {
        "series": series,
        "series_rule": rule,
        "can_regroup": unit.valid_to is None and bool(page.predecessors),
        "chart": selectors.chart_data(series, published, rule),
        "published_series": published,
        "changes": selectors.village_changes(unit, figures_now, since),
        "at_risk": selectors.villages_at_risk(
            unit, figures_now, selectors.period_year_before(period, periods)
        ),
        "page": page,
        "unit": unit,
        "period": period,
        "periods": periods,
        "crumbs": selectors.breadcrumb(unit),
        "ended": unit.valid_to,
        # A province has thousands of villages: its lists stop here (the page stays light).
        "list_at_most": LIST_AT_MOST,
        "list_slice": f":{LIST_AT_MOST}",
        "published_elsewhere": published_dates.published_elsewhere(unit, periods),
        "paragraph": paragraph.report_paragraph(page, permalink=_permalink(request, unit, period)),
    }
    return render(request, "units/unit.html", context)


def _permalink(request: HttpRequest, unit: Unit, period) -> str:
    return request.build_absolute_uri(f"{reverse('unit', args=[unit.id])}?date={period.date}")


def _compare_period(request: HttpRequest, page, periods):
    """The date changes are counted from: `?compare=`, else the previous date."""
    try:
        wanted = selectors.parse_date(request.GET.get("compare"))
    except selectors.BadDate:
        wanted = None
    earlier = [p for p in periods if p.date < page.period.date]
    chosen = next((p for p in earlier if p.date == wanted), None)
    return chosen or page.previous_period


def _series(request: HttpRequest, unit: Unit) -> tuple[str, list]:
    """The unit's series under the rule asked for; regrouping only for units that exist today."""
    rule = request.GET.get("series", selectors.SeriesRule.AS_REPORTED)
    if rule == selectors.SeriesRule.REGROUPED and unit.valid_to is None:
        return rule, selectors.series_regrouped(unit)
    return selectors.SeriesRule.AS_REPORTED, selectors.series_as_reported(unit)


@require_safe
def village_detail(request: HttpRequest, village_id: int) -> HttpResponse:
    village = get_object_or_404(Village, pk=village_id)
    history = selectors.village_history(village, selectors.periods_with_coverage())
    current = history.placements[-1] if history.placements else None
    crumbs = []
    if current is not None:
        crumbs = selectors.breadcrumb(current.commune) + [current.commune]
    context = {"history": history, "village": village, "crumbs": crumbs, "Level": Level}
    return render(request, "units/village.html", context)
