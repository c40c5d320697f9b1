"""Errors under /api/ are JSON, whatever answered them. partystats/errors.py answers the errors
Django raises (404, 400, 500) in JSON there; this catches the responses views return without
raising, such as the 405 of `require_safe`, so a client never has to parse an HTML error."""

from __future__ import annotations

from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def api_error_message(request: HttpRequest, status: int) -> str:
    if status == 404:
        return _("No such API address: %(path)s. The API answers /api/v1/units and "
                 "/api/v1/figures?unit=<id>&date=YYYY-MM-DD.") % {"path": request.path}  # fmt: skip
    if status == 405:
        return _("Only GET (and HEAD) are answered here.")
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)


class ApiJsonErrorsMiddleware:
    """Turns any non-JSON error response under /api/ into {"error": …} with the same status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        json = JsonResponse(
            {"error": api_error_message(request, response.status_code)},
            status=response.status_code,
            json_dumps_params={"ensure_ascii": False},
        )
        if response.has_header("Allow"):
            json["Allow"] = response["Allow"]
        return json
