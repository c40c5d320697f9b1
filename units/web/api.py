"""The read-only JSON API: the same selectors as the pages, so the figures cannot drift apart.

`/api/v1/figures?unit=<id>&date=` answers what the unit page `/u/<id>/?date=` shows, from the
same selector (`units.reads.unit_page.unit_page_select`), as the README documents.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from units.models import Coverage, Unit, UnitFigure
from units.reads.dates import BadDate, parse_date
from units.reads.lineage import Relation, UnitElsewhere
from units.reads.targets import RESOLUTION_START
from units.reads.unit_page import (
    NoFigures,
    NoFiguresAtDate,
    UnitNotFound,
    UnitPage,
    no_figures_read,
    unit_page_select,
)
from units.templatetags.coverage import short_date


class Answer:
    """`status` of a figures answer: what a client checks before reading the figures."""

    OK = "ok"  # figures at the date asked for
    NEAREST_EARLIER = "nearest_earlier_date"  # not a reporting date: the nearest earlier one
    STOOD_FOR = "unit_not_valid_on_date"  # see `stood_for_by`
    NOT_YET_REPORTED = "no_figures_at_date"  # see `first_date` and `reported_under_before`


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, json_dumps_params=JSON_OPTIONS)


JSON_OPTIONS = {"ensure_ascii": False}


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
    # Counts of reports are None when no village was reported: unknown, never 0
    # (docs/domain.md §1); the villages and those not reported are known either way.
    figures = ("villages", "own_cell", "joined", "no_members", "without_cell", "not_reported",
               "members", "admissions")  # fmt: skip
    return {
        "source": "computed from village reports",
        "qualifier": "exact",
        **{key: coverage.known(key) for key in figures},
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


@require_safe
def units_list(request: HttpRequest) -> JsonResponse:
    provinces = Unit.objects.provinces().order_by("scheme", "code")
    return JsonResponse({"units": [_unit_json(unit) for unit in provinces]})


def figures_url(unit: Unit, date) -> str:
    return f"{reverse('api-figures')}?{urlencode({'unit': unit.id, 'date': date.isoformat()})}"


@require_safe
def figures(request: HttpRequest) -> JsonResponse:
    try:
        unit_id = int(request.GET.get("unit", ""))
        answer = unit_page_select(
            unit_id=unit_id, date=parse_date(request.GET.get("date")), baseline=RESOLUTION_START
        )
    except (ValueError, BadDate):
        return _error(400, _("Give unit=<id> and date=YYYY-MM-DD."))
    except UnitNotFound:
        return _error(404, _("No unit with id %(id)s.") % {"id": unit_id})
    except NoFiguresAtDate as error:
        return no_figures_json(no_figures_read(*error.args))
    if isinstance(answer, UnitElsewhere):
        return elsewhere_json(answer)
    return JsonResponse(page_json(answer), json_dumps_params=JSON_OPTIONS)


def page_json(page: UnitPage) -> dict:
    unit = page.unit
    return {
        "status": Answer.NEAREST_EARLIER if page.date.is_nearest_earlier else Answer.OK,
        "requested_date": page.date.requested.isoformat() if page.date.requested else None,
        "unit": _unit_json(unit),
        "date": page.period.date.isoformat(),
        "figures": {
            "computed": coverage_json(page.coverage),
            "published": [published_json(f) for f in page.published],
        },
        "parent": _unit_json(unit.parent) if unit.parent else None,
        "children": _children_json(page),
    }


def elsewhere_message(answer: UnitElsewhere) -> str:
    # The message is for people: its date as they write it; the "date" field stays ISO.
    values = {"unit": answer.unit.name, "date": short_date(answer.date)}
    if not answer.standing:
        return _("%(unit)s did not exist on %(date)s, and no unit stood for it then.") % values
    if answer.relation == Relation.SUCCESSORS:
        return _("%(unit)s no longer existed on %(date)s: these units continued it.") % values
    return _("%(unit)s did not exist yet on %(date)s: it continues these units.") % values


def elsewhere_json(answer: UnitElsewhere) -> JsonResponse:
    """A unit asked for at a date outside its life: the units that stood for it then, each
    with the URL of its figures. 303 to the one unit when there is one (as the page redirects),
    300 when there are several, 404 when none."""
    standing = [
        {**_unit_json(u), "figures_url": figures_url(u, answer.date)} for u in answer.standing
    ]
    body = {
        "status": Answer.STOOD_FOR,
        "error": elsewhere_message(answer),
        "unit": _unit_json(answer.unit),
        "date": answer.date.isoformat(),
        "relation": answer.relation,
        "stood_for_by": standing,
    }
    status = 303 if answer.sole else 300 if answer.standing else 404
    response = JsonResponse(body, status=status, json_dumps_params=JSON_OPTIONS)
    if answer.sole:
        response["Location"] = standing[0]["figures_url"]
    return response


def no_figures_json(answer: NoFigures) -> JsonResponse:
    """A date of the unit's life before its first report: 404, with what the unit page says
    (its first reporting date, the units its villages were reported under before it began),
    each with the URL of its figures."""
    first = answer.first.date if answer.first else None
    values = {"unit": answer.unit.name, "date": short_date(answer.date)}
    if first is None:
        message = _("%(unit)s has no figures on or before %(date)s, nor after it.") % values
    else:
        message = _(
            "%(unit)s has no figures on or before %(date)s: its first reporting date is %(first)s."
        ) % (values | {"first": short_date(first)})
    body = {
        "status": Answer.NOT_YET_REPORTED,
        "error": message,
        "unit": _unit_json(answer.unit),
        "date": answer.date.isoformat(),
        "first_date": first.isoformat() if first else None,
        "first_figures_url": figures_url(answer.unit, first) if first else None,
        "reported_under_before": [
            {**_unit_json(u), "figures_url": figures_url(u, answer.day_before)}
            for u in answer.before
        ],
    }
    return JsonResponse(body, status=404, json_dumps_params=JSON_OPTIONS)


def _children_json(page: UnitPage) -> list[dict]:
    children = [
        {**_unit_json(row.unit), "figures": coverage_json(row.coverage)} for row in page.children
    ]
    for row in page.villages:
        children.append(
            {
                "id": row.id,
                "name": row.name,
                "level": "village",
                "url": reverse("village", args=[row.id]),
                "figures": {
                    "source": "village report" if row.reported else None,
                    "status": row.status,
                    "members": row.members,
                },
            }
        )
    return children
