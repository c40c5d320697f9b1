"""Production: refuses to start without the variables it cannot guess."""

import os

from django.core.exceptions import ImproperlyConfigured

REQUIRED_VARIABLES = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")


def require_environment(names: tuple[str, ...]) -> None:
    missing = [name for name in names if not os.environ.get(name, "").strip()]
    if missing:
        raise ImproperlyConfigured(
            "Production settings need these environment variables: " + ", ".join(missing)
        )


# Checked before base reads them, so an empty DATABASE_URL is reported by name, not as a
# parse error from dj-database-url.
require_environment(REQUIRED_VARIABLES)

from .base import *  # noqa: E402, F403

DEBUG = False
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Rendered public pages are kept a day (partystats.middleware.PageCacheMiddleware): the data
# version in their key, not this lifetime, decides when a page is out of date.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", 24 * 3600))


# Behind proxies or a load balancer every request reaches Django from the proxy's address, and
# login throttling (django-axes, keyed on username + address) would then lock a username out for
# everyone. TRUSTED_PROXY_COUNT names how many proxies append to X-Forwarded-For; the address is
# read that many entries from the right, so a visitor cannot forge it. 0 (the default): the
# connection's own address, REMOTE_ADDR.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0") or 0)


def client_ip_address(request) -> str | None:
    if TRUSTED_PROXY_COUNT > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= TRUSTED_PROXY_COUNT:
            return forwarded[-TRUSTED_PROXY_COUNT]
    return request.META.get("REMOTE_ADDR")


AXES_CLIENT_IP_CALLABLE = client_ip_address
