"""The page cache filled after an import commits, so the first visitor does not pay (issue 10).

`data_version_bump` (units.domain.coverage) sends `data_committed` once the write's transaction
has committed; `warm_on_commit` then renders, in a thread of its own and through the site's whole
middleware stack, the pages most visitors open first: every unit's page at the latest date (the
links between unit pages carry `?date=`), each province's page without a date (where `/` sends a
visitor) and the coverage table with its defaults, in Vietnamese. Each page is stored by
`PageCacheMiddleware` under the data version the warming request reads, the new one, exactly as a
visitor's request would store it: warming adds no way for a stale page to be served
(docs/deployment.md, "The page cache").

What it fills is the cache this process sees: with a shared cache (Redis, memcached) every worker
and host's; with `locmem://`, only the importing worker's. Off when the page cache is
(PAGE_CACHE_SECONDS = 0, as in development and the tests) or PAGE_CACHE_WARM_PAGES is 0.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections

from partystats.middleware import data_version_read, version_tag
from units.models import Level, Unit
from units.reads.dates import periods_with_coverage

logger = logging.getLogger(__name__)
LEVEL_ORDER = {Level.PROVINCE: 0, Level.DISTRICT: 1, Level.COMMUNE: 2}

_lock = threading.Lock()
_warmed_version: str | None = None
# The thread of the latest warming, for whoever must wait for it (the tests).
warming: threading.Thread | None = None


def warm_on_commit(sender, **kwargs) -> None:
    """Start warming for the version just committed, once per version (a transaction may bump
    it more than once). A non-daemon thread: a management command waits for it at exit."""
    global _warmed_version, warming
    if not (settings.PAGE_CACHE_SECONDS and settings.PAGE_CACHE_WARM_PAGES and warm_origin()):
        return
    tag = version_tag(data_version_read())
    with _lock:
        if tag == _warmed_version:
            return
        _warmed_version = tag
        warming = threading.Thread(target=cache_warm, name="page-cache-warm")
        warming.start()


def warm_origin() -> str | None:
    """The scheme and host visitors use, as the cache keys hold them: PAGE_CACHE_WARM_ORIGIN, else
    the first named host of ALLOWED_HOSTS over HTTPS behind a proxy (production), HTTP otherwise."""
    if settings.PAGE_CACHE_WARM_ORIGIN:
        return settings.PAGE_CACHE_WARM_ORIGIN
    host = next((h for h in settings.ALLOWED_HOSTS if not h.startswith((".", "*"))), None)
    if host is None:
        return None
    return f"{'https' if settings.SECURE_PROXY_SSL_HEADER else 'http'}://{host}"


def warm_paths() -> list[str]:
    """What to render, most visited first, at most PAGE_CACHE_WARM_PAGES."""
    periods = periods_with_coverage()
    if not periods:
        return []
    latest = periods[-1]
    units = sorted(
        Unit.objects.filter(coverage__period=latest).values_list("id", "level", "code"),
        key=lambda unit: (LEVEL_ORDER[unit[1]], unit[2], unit[0]),
    )
    provinces = [f"/u/{unit_id}/" for unit_id, level, _ in units if level == Level.PROVINCE]
    dated = [f"/u/{unit_id}/?date={latest.date.isoformat()}" for unit_id, _, _ in units]
    return (["/coverage/"] + provinces + dated)[: settings.PAGE_CACHE_WARM_PAGES]


def cache_warm(paths: list[str] | None = None) -> int:
    """Render each path as an anonymous visitor's GET; returns how many answered 200."""
    origin = urlsplit(warm_origin() or "http://localhost")
    handler = WSGIHandler()
    answered = 0
    try:
        for path in warm_paths() if paths is None else paths:
            answered += _get(handler, origin, path) == 200
    except Exception:  # warming is a courtesy: a failure must not reach the import
        logger.exception("page cache warming stopped")
    finally:
        connections.close_all()  # this thread's own connections
    return answered


def _get(handler: WSGIHandler, origin, path: str) -> int:
    target = urlsplit(path)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": target.path,
        "QUERY_STRING": target.query,
        "SERVER_NAME": origin.hostname,
        "SERVER_PORT": str(origin.port or (443 if origin.scheme == "https" else 80)),
        "HTTP_HOST": origin.netloc,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": origin.scheme,
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    if origin.scheme == "https" and settings.SECURE_PROXY_SSL_HEADER:
        header, value = settings.SECURE_PROXY_SSL_HEADER
        environ[header] = value  # as the TLS proxy in front says it (docs/deployment.md)
    status: list[str] = []
    response = handler(environ, lambda code, headers, exc_info=None: status.append(code))
    try:
        for _ in response:  # read whole, as a client would
            pass
    finally:
        response.close()
    return int(status[0].split()[0])
