"""The read-only JSON API: the same selectors as the pages, so the figures cannot drift apart."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from units.models import Coverage, Unit, UnitFigure
from units.reads import unit_page as selectors


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _unit_json(unit: Unit) -> dict:
    return {
        "id": unit.id,
        "name": unit.name,
        "level": unit.level,
        "scheme": unit.scheme,
        "code": unit.code,
        "valid_from": unit.valid_from.isoformat(),
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
        "url": reverse("unit", args=[unit.id]),
    }


def coverage_json(coverage: Coverage | None) -> dict | None:
    """Figures computed from village reports; `villages` is the denominator."""
    if coverage is None:
        return None
    return {
        "source": "computed from village reports",
        "qualifier": "exact",
        "villages": coverage.villages,
        "own_cell": coverage.own_cell,
        "joined": coverage.joined,
        "no_members": coverage.no_members,
        "without_cell": coverage.without_cell,
        "not_reported": coverage.not_reported,
        "members": coverage.members,
        "admissions": coverage.admissions,
    }


def published_json(figure: UnitFigure) -> dict:
    value = figure.value
    return {
        "metric": figure.metric,
        "value": int(value) if value == int(value) else float(value),
        "qualifier": figure.qualifier,
        "denominator": figure.denominator,
        "span_start": figure.span_start.isoformat() if figure.span_start else None,
        "note": figure.shown_note,  # in the request's language; both below
        "note_vi": figure.note,
        "note_en": figure.note_en,
        "source": {
            "kind": "published",
            "title": figure.source.shown_title,
            "title_vi": figure.source.title,
            "title_en": figure.source.title_en,
            "url": figure.source.url,
        },
    }


@require_GET
def units_list(request: HttpRequest) -> JsonResponse:
    provinces = Unit.objects.provinces().order_by("scheme", "code")
    return JsonResponse({"units": [_unit_json(unit) for unit in provinces]})


@require_GET
def figures(request: HttpRequest) -> JsonResponse:
    try:
        unit_id = int(request.GET.get("unit", ""))
        date = selectors.parse_date(request.GET.get("date"))
    except (ValueError, selectors.BadDate):
        return _error(400, _("Give unit=<id> and date=YYYY-MM-DD."))
    unit = Unit.objects.select_related("parent__parent").filter(pk=unit_id).first()
    if unit is None:
        return _error(404, _("No unit with id %(id)s.") % {"id": unit_id})
    periods = selectors.periods_within(unit, selectors.periods_with_coverage())
    period = selectors.period_choose(date, periods)
    if period is None:
        return _error(404, _("No figures for this unit at this date."))
    page = selectors.unit_page(unit, period, periods)
    return JsonResponse(
        {
            "unit": _unit_json(unit),
            "date": period.date.isoformat(),
            "figures": {
                "computed": coverage_json(page.coverage),
                "published": [published_json(f) for f in page.published],
            },
            "parent": _unit_json(unit.parent) if unit.parent else None,
            "children": _children_json(page),
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _children_json(page: selectors.UnitPage) -> list[dict]:
    children = [
        {**_unit_json(row.unit), "figures": coverage_json(row.coverage)} for row in page.children
    ]
    for row in page.villages:
        figure = row.figure
        children.append(
            {
                "id": row.village.id,
                "name": row.village.name,
                "level": "village",
                "url": reverse("village", args=[row.village.id]),
                "figures": {
                    "source": "village report" if figure else None,
                    "status": row.status,
                    "members": figure.members if figure else None,
                },
            }
        )
    return children
