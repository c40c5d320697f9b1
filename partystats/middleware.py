"""Language choice: Vietnamese first, English when the visitor picks it with the switch."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


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
