"""The search page, `/search/?q=`: a plain GET form in the header of every page, no JavaScript."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from units.reads.search import MIN_QUERY_LENGTH, RESULTS_LIMIT, QueryTooShort, search_run


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    context = {
        "search_query": query,
        "min_length": MIN_QUERY_LENGTH,
        "limit": RESULTS_LIMIT,
        "results": None,
    }
    if query:
        try:
            context["results"] = search_run(query=query)
        except QueryTooShort:
            context["too_short"] = True
    return render(request, "units/search.html", context)
