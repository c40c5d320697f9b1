"""The site's error pages (400, 403, 404, 500, 503): translated, saying what was wrong, with links.

Django's defaults answer "Not Found" in English whatever the visitor's language, and its 400 page
hides the view's message. Here a view says what was wrong by raising:

- `Http404(message)` for something that does not exist, or
- `BadQuery(message)` (or Django's own `BadRequest(message)`) for a query string the page cannot
  use, e.g. `?date=20x7`.

The message is shown as it was raised, so it must already be translated (`gettext`). Messages of
other exceptions (SuspiciousOperation: a bad Host header, too many fields) are never shown: they
can carry what the visitor sent. Under /api/ the same errors answer JSON, `{"error": message}`.

One uncaught error is not a fault of the site: SQLite's "database is locked", raised when a
staff member's write (an import, a publish, a draft view, a plan page) waited the busy timeout
for another one's commit (units.domain.transactions). It answers 503 with Retry-After, asking
to try again in a moment, not a 500.
"""

from __future__ import annotations

import logging
import re
import sys

from django.core.exceptions import BadRequest
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# get_object_or_404's own message, in English whatever the language: replaced by ours.
STOCK_NOT_FOUND = re.compile(r"^No (\w+) matches the given query\.$")
# After the busy timeout (5 s) the writer waited for has usually committed: a national publish
# holds the write lock 2–3 s (docs/deployment.md, "SQLite").
BUSY_RETRY_SECONDS = 5


class BadQuery(BadRequest):
    """A query-string value the page cannot use: answered 400 with this (translated) message."""


def _titles() -> dict[int, str]:
    return {
        400: _("The address asks for something the page cannot show"),
        403: _("You may not open this page"),
        404: _("Page not found"),
        500: _("Something went wrong on our side"),
        503: _("The figures are being written"),
    }


def _not_found_message(exception: Exception | None) -> str:
    if isinstance(exception, Resolver404) or not isinstance(exception, Http404):
        return _("There is no page at this address.")
    message = exception.args[0] if exception.args else None
    if not isinstance(message, str) or not message:
        return _("There is no page at this address.")
    stock = STOCK_NOT_FOUND.match(message)
    return not_found_by_number(stock.group(1)) if stock else message


def not_found_by_number(model_name: str) -> str:
    """What a 404 says when no `model_name` ("Unit", "Village") has the number asked for:
    get_object_or_404's message replaced, or a view's own lookup (the village page's)."""
    things = {"Unit": _("No province, district or commune has this number.")}
    things["Village"] = _("No village has this number.")
    return things.get(model_name, _("Nothing on this site has this number."))


def _bad_request_message(exception: Exception | None) -> str:
    message = exception.args[0] if isinstance(exception, BadRequest) and exception.args else None
    if isinstance(message, str) and message:
        return message
    return _("The request could not be understood.")


def error_response(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """The error page (or JSON under /api/) for `status`, with `message` said in full."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    context = {"status": status, "title": _titles()[status], "message": message}
    return render(request, "error.html", context, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 400, _bad_request_message(exception))


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 403, _("Your account does not have the permission needed."))


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 404, _not_found_message(exception))


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered like the others; if that fails too (the database is down), plain text. Django
    calls it while handling the error (django.core.handlers.exception), so sys.exc_info() is
    that error."""
    if _database_busy(sys.exc_info()[1]):
        return database_busy(request)
    message = _("The error has been logged. Try again in a moment.")
    try:
        return error_response(request, 500, message)
    except Exception:  # rendering touches the session and the database: either may be the cause
        logger.exception("the 500 page could not be rendered")
        body = f"{_titles()[500]}. {message}"
        return HttpResponse(body, status=500, content_type="text/plain; charset=utf-8")


def _database_busy(error: BaseException | None) -> bool:
    """SQLite's answer to a write that waited its busy timeout for another one to commit."""
    return isinstance(error, OperationalError) and "database is locked" in str(error)


def database_busy(request: HttpRequest) -> HttpResponse:
    """503, to try again in a moment: another write held SQLite's write lock too long."""
    message = _("Another import is being written; try again in a moment.")
    response = error_response(request, 503, message)
    response["Retry-After"] = str(BUSY_RETRY_SECONDS)
    add_never_cache_headers(response)
    return response
