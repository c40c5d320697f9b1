"""The language switch: a plain link, so public pages carry no form, no CSRF token, no cookie.

Django's `set_language` takes a POST with a CSRF token; a token in every page set a `csrftoken`
cookie on every anonymous visitor and made each page unshareable by caches.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe


@require_safe
def language_choose(request: HttpRequest, language: str) -> HttpResponseRedirect:
    """Remember the visitor's language in the language cookie and go back to `next`.

    GET is safe here: the only thing it changes is the visitor's own cookie.
    """
    if language not in dict(settings.LANGUAGES):
        raise Http404(_("No such language: %(code)s") % {"code": language})
    response = HttpResponseRedirect(safe_next(request))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    # A response that sets a cookie must never be kept by a shared cache.
    add_never_cache_headers(response)
    return response


def safe_next(request: HttpRequest) -> str:
    """`next` when it stays on this site, else the home page (no open redirect)."""
    next_url = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return "/"
