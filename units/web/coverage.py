"""The coverage table page, `/coverage/`, and its exports on the same URL (`?format=`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from units.models import REFORM_DATE, Status, level_headings
from units.reads.coverage_table import CoverageTable, InvalidFilters, NoFigures, coverage_table
from units.reads.filters import SORT_KEYS
from units.web import exports
from units.web.pages import empty_site

EXPORTS = {
    "csv": exports.csv_response,
    "xlsx": exports.xlsx_response,
    "json": exports.json_response,
}
# A village's name and a count of villages, told apart (both "Thôn, bản" otherwise).
VILLAGE_NAME = pgettext_lazy("column: a village's name", "Village")
HEADER_LABELS = {
    "province": gettext_lazy("Province"),
    "status": gettext_lazy("Status"),
    "members": gettext_lazy("Members"),
    "villages": exports.VILLAGES_COUNT.label,
    # One label per status, the model's (units.models.Status), here as everywhere.
    "own_cell": Status.OWN_CELL.label,
    "joined": Status.JOINED.label,
    "no_members": Status.NO_MEMBERS.label,
    "not_reported": Status.NOT_REPORTED.label,
    # The exports' labels: "% with own cell" (units/web/exports.py passes the "%" in).
    "own_cell_share": exports.OWN_CELL_SHARE.label,
    "member_share": exports.MEMBER_SHARE.label,
}


@dataclass(frozen=True)
class Header:
    key: str
    label: str
    sort: str  # the `sort` value its link asks for: ascending first, then descending
    aria_sort: str | None  # "ascending" / "descending" on the column the table is sorted by


@require_GET
def coverage(request: HttpRequest) -> HttpResponse:
    """One table, filtered by the query string; `format` picks HTML or an export of all rows."""
    output = request.GET.get("format") or "html"
    if output != "html" and output not in EXPORTS:
        return HttpResponseBadRequest(_("Unknown format: use csv, xlsx or json."))
    try:
        table = coverage_table(params=request.GET)
    except NoFigures:
        return empty_site(request)
    except InvalidFilters as error:
        if output == "json":
            errors = {"errors": error.filterset.errors.get_json_data()}
            return JsonResponse(errors, status=400, json_dumps_params={"ensure_ascii": False})
        error.filterset.place_lists_narrow()
        context = {"filterset": error.filterset, "table": None}
        return render(request, "units/coverage.html", context, status=400)
    params = table.params()
    if output in EXPORTS:
        page_url = request.build_absolute_uri(f"{reverse('coverage')}?{params.urlencode()}")
        if output == "csv" and request.GET.get("meta") == "1":  # the CSV's sidecar (README)
            return exports.csv_meta_response(table, page_url=page_url)
        return EXPORTS[output](table, page_url=page_url)
    page, rows = table.page(request.GET.get("page"))
    columns = headers(table)
    table.filterset.place_lists_narrow()
    context = {
        "table": table,
        "filterset": table.filterset,
        "params": params,
        "page_obj": page,
        "rows": rows,
        "headers": columns,
        # The rows' cells follow the headers (templates/units/coverage.html).
        "district_column": any(header.key == "district" for header in columns),
    }
    return render(request, "units/coverage.html", context)


def headers(table: CoverageTable) -> list[Header]:
    """The columns of the grouping, in the order SORT_KEYS lists them, each with its sort link.
    From 1/7/2025 there are no districts: no district column (as in the exports)."""
    current = table.filterset.form.cleaned_data.get("sort") or ""
    no_districts = table.date >= REFORM_DATE and table.group != "district"
    result = []
    for key in SORT_KEYS[table.group]:
        if key == "district" and no_districts:
            continue
        aria_sort = {key: "ascending", f"-{key}": "descending"}.get(current)
        label = _header_label(table, key)
        result.append(Header(key, str(label), f"-{key}" if current == key else key, aria_sort))
    return result


def _header_label(table: CoverageTable, key: str) -> str:
    """A column's heading; the communes' and districts' by their kinds at the table's date."""
    if key == "name":
        return VILLAGE_NAME if table.group == "village" else table.group_name
    headings = level_headings(key, table.date)
    return headings.name if headings else HEADER_LABELS[key]
