"""Language choice: Vietnamese first, English when the visitor picks it with the switch."""

import hashlib

from django.conf import settings
from django.http import HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date


class ChosenLanguageMiddleware:
    """Use the language cookie set by the switch, else Vietnamese.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which shows most
    visitors' office machines (set to English) an English site; the site's first language is
    Vietnamese, so only an explicit choice changes it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class DataVersionCacheMiddleware:
    """ETag / Last-Modified / Cache-Control on the public, read-only pages and exports.

    The validators are keyed to `DataVersion` (bumped inside every import transaction), the
    language and the URL, so a revalidating client gets a 304 until the data changes, and the new
    figures the moment an import commits. A matching If-None-Match is answered before the view
    runs: a revalidation costs one small query.
    """

    PRIVATE_PREFIXES = ("/admin/", "/import/", "/accounts/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._cacheable(request):
            return self.get_response(request)
        from units.models import DataVersion

        version = DataVersion.current()
        etag = self._etag(request, version.number)
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
        else:
            response = self.get_response(request)
            if response.status_code != 200:
                return response
        response.headers["ETag"] = etag
        response.headers["Last-Modified"] = http_date(version.changed.timestamp())
        response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
        patch_vary_headers(response, ("Cookie",))
        return response

    def _cacheable(self, request) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and not request.path.startswith(self.PRIVATE_PREFIXES)
            and not request.user.is_authenticated
        )

    def _etag(self, request, number: int) -> str:
        key = f"{number}|{translation.get_language()}|{request.get_full_path()}"
        return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
