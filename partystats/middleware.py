"""Language choice, HTTP validators and the page cache of the public, read-only site.

Everything a public page shows changes only when an import commits, and every import bumps
`units.DataVersion` inside its own transaction. The validators (ETag, Last-Modified) and the
page cache are keyed to that version, so neither ever needs invalidating: a new import changes
every key at once.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import caches
from django.db import connections, router, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

if TYPE_CHECKING:
    from units.models import DataVersion

# Staff pages, log-in, and the language switch (which sets a cookie): never shared.
PRIVATE_PREFIXES = ("/admin/", "/import/", "/accounts/", "/language/")
PUBLIC_CACHE_CONTROL = "public, max-age=0, must-revalidate"
# Headers a stored page does not keep: the length is the body's, set again when it is served.
UNSTORED_HEADERS = {"content-length", "set-cookie"}

logger = logging.getLogger(__name__)


def chosen_language(request: HttpRequest) -> str:
    """The language the cookie set by the switch names, if the site has it; else Vietnamese."""
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if language in dict(settings.LANGUAGES):
        return language
    return settings.LANGUAGE_CODE


def public_read(request: HttpRequest) -> bool:
    return request.method in ("GET", "HEAD") and not request.path.startswith(PRIVATE_PREFIXES)


def request_data_version(request: HttpRequest) -> DataVersion:
    """The data version, read once per request, before the view renders anything.

    Read first and used for every key of the request, a version can only be older than the data
    the view then reads: a page rendered while an import commits may land under the previous
    version's key, which nobody asks for any more, never stale figures under the new one.
    """
    version = getattr(request, "data_version", None)
    if version is None:
        version = request.data_version = data_version_read()
    return version


def data_version_read() -> DataVersion:
    """`DataVersion.current()` in plain SQL: the ORM takes about a millisecond to compile the
    query, most of the time a page from the cache costs. Read where the router sends reads, as
    the page's own queries are."""
    from units.models import DataVersion

    connection = connections[router.db_for_read(DataVersion)]
    meta, quote = DataVersion._meta, connection.ops.quote_name
    names = ("number", "changed", "synthetic_villages")
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [1])
        row = cursor.fetchone()
    if row is None:
        return DataVersion.current()  # nothing imported yet: the model's own default
    number, changed, synthetic_villages = row
    if timezone.is_naive(changed):  # SQLite keeps UTC without a zone
        changed = timezone.make_aware(changed, datetime.UTC)
    return DataVersion(
        pk=1, number=number, changed=changed, synthetic_villages=bool(synthetic_villages)
    )


def version_tag(version: DataVersion) -> str:
    """The number and the time of the bump: a database restored from an older backup restarts
    the numbers, and its pages must not meet the ones a shared cache holds for the same number."""
    return f"{version.number}.{int(version.changed.timestamp() * 1_000_000)}"


def page_etag(request: HttpRequest, version: DataVersion, language: str) -> str:
    key = f"{version_tag(version)}|{language}|{request.get_full_path()}"
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def add_validators(
    response: HttpResponse, version: DataVersion, etag: str, language: str
) -> HttpResponse:
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(version.changed.timestamp())
    response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    response.headers.setdefault("Content-Language", language)
    # The language comes from a cookie: a shared cache must key on it (see docs/deployment.md).
    patch_vary_headers(response, ("Cookie",))
    return response


def revalidated(request: HttpRequest, etag: str) -> bool:
    return etag in request.headers.get("If-None-Match", "")


class ChosenLanguageMiddleware:
    """Use the language cookie set by the switch, else Vietnamese.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which shows most
    visitors' office machines (set to English) an English site; the site's first language is
    Vietnamese, so only an explicit choice changes it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class PageCacheMiddleware:
    """Answer anonymous visitors from the pages already rendered, before any session work.

    Placed before the session and auth middleware. A request without a session cookie cannot
    belong to a signed-in user, so for a public GET or HEAD it costs one query (the data version)
    and either a 304 or one cache read; nothing after it runs on a hit. A miss renders as usual and
    stores the response if `DataVersionCacheMiddleware` marked it public (status 200, anonymous
    visitor, no cookie set) and it is not larger than PAGE_CACHE_MAX_BYTES.

    The key holds the data version, the language, the scheme, host and full path with its query
    string (which carries `?format=` for the exports). PAGE_CACHE_SECONDS = 0 turns storing off
    (development and tests, unless a test turns it on); the early 304 stays.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not public_read(request) or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return self.get_response(request)
        version = request_data_version(request)
        language = chosen_language(request)
        etag = page_etag(request, version, language)
        if revalidated(request, etag):
            return add_validators(HttpResponseNotModified(), version, etag, language)
        if not (settings.PAGE_CACHE_SECONDS and version.number):
            # Number 0: nothing was ever imported, so the version says nothing about the data.
            return self.get_response(request)
        return self._cached(request, page_cache_key(request, version, language))

    def _cached(self, request: HttpRequest, key: str) -> HttpResponse:
        cache = caches[settings.PAGE_CACHE_ALIAS]
        stored = cache_call(cache.get, key)
        if stored is not None:
            return stored_response(stored)
        response = self.get_response(request)
        if request.method == "GET" and shareable(request, response):
            body = page_body(response, settings.PAGE_CACHE_MAX_BYTES)
            if body is not None:
                page = stored_page(response, body)
                cache_call(cache.set, key, page, settings.PAGE_CACHE_SECONDS)
        return response


def cache_call(method, *args):
    """A shared cache (Redis, memcached) that is down costs a render, never an error page."""
    try:
        return method(*args)
    except Exception:  # each backend raises its own client's errors
        logger.warning("page cache unavailable", exc_info=True)
        return None


def page_cache_key(request: HttpRequest, version: DataVersion, language: str) -> str:
    # Hashed: memcached refuses keys over 250 characters, and query strings can be long.
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return f"page:{version_tag(version)}:{language}:{hashlib.sha256(url.encode()).hexdigest()}"


def shareable(request: HttpRequest, response: HttpResponse) -> bool:
    """What the validators middleware marked public, rendered for nobody in particular."""
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and response.get("Cache-Control") == PUBLIC_CACHE_CONTROL
        and not response.cookies
        and not (user is not None and user.is_authenticated)
    )


def page_body(response: HttpResponse, max_bytes: int) -> bytes | None:
    """The body to store, or None when it is larger than `max_bytes`.

    A streamed export (CSV, JSON) is read up to `max_bytes`: if it ends there it is stored and
    sent as one piece; otherwise what was read is sent first and the rest streams as before.
    """
    if not response.streaming:
        return response.content if len(response.content) <= max_bytes else None
    chunks, size = [], 0
    iterator = iter(response.streaming_content)
    for chunk in iterator:
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            response.streaming_content = _resumed(chunks, iterator)
            return None
    body = b"".join(chunks)
    response.streaming_content = [body]
    response.headers["Content-Length"] = str(len(body))
    return body


def _resumed(chunks: list[bytes], iterator):
    yield from chunks
    yield from iterator


def stored_page(response: HttpResponse, body: bytes) -> tuple[list[tuple[str, str]], bytes]:
    headers = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in UNSTORED_HEADERS
    ]
    return headers, body


def stored_response(stored: tuple[list[tuple[str, str]], bytes]) -> HttpResponse:
    headers, body = stored
    response = HttpResponse(body, headers=headers)
    response.headers["Content-Length"] = str(len(body))
    return response


class DataVersionCacheMiddleware:
    """ETag / Last-Modified / Cache-Control on the public, read-only pages and exports.

    The validators are keyed to `DataVersion` (bumped inside every import transaction), the
    language and the URL, so a revalidating client gets a 304 until the data changes, and the new
    figures the moment an import commits. A matching If-None-Match is answered before the view
    runs (by `PageCacheMiddleware` already when the visitor has no session): a revalidation costs
    one small query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (public_read(request) and not request.user.is_authenticated):
            return self.get_response(request)
        version = request_data_version(request)
        language = translation.get_language()
        etag = page_etag(request, version, language)
        if revalidated(request, etag):
            return add_validators(HttpResponseNotModified(), version, etag, language)
        response = self.get_response(request)
        if response.status_code != 200 or response.cookies or private(response):
            return response
        return add_validators(response, version, etag, language)


def private(response: HttpResponse) -> bool:
    """A view that said its response is for this visitor only (never_cache, private)."""
    cache_control = response.get("Cache-Control", "")
    return "private" in cache_control or "no-store" in cache_control


class ReadSnapshotMiddleware:
    """A public page's queries all read one snapshot of the database, and so does a download.

    An import commits all its figures at once, but a page reads them in a dozen queries: in
    PostgreSQL's default READ COMMITTED each query sees the latest commit, so a page rendered
    while an import commits could show a province total from before it and a commune from
    after. One REPEATABLE READ, READ ONLY transaction per public request (a deferred
    transaction in SQLite) gives every query the same snapshot: the old figures or the new,
    never a mix. Staff pages and writes keep Django's default.

    A streamed response (the coverage table's CSV and JSON) reads its rows as it is sent, after
    the view has returned: the transaction goes with it and ends with its last piece, or when
    the server closes it unfinished (`SnapshotStream`), so the rows come from the snapshot the
    view read the totals from.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not public_read(request):
            return self.get_response(request)
        connection = connections[router.db_for_read(_data_version_model())]
        if connection.in_atomic_block:  # already inside a transaction (a test's): keep it
            return self.get_response(request)
        with ExitStack() as snapshot:
            snapshot.enter_context(transaction.atomic(using=connection.alias))
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # must come before the first query
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            response = self.get_response(request)
            if response.streaming:
                response.streaming_content = SnapshotStream(
                    response.streaming_content, snapshot.pop_all()
                )
            return response


class SnapshotStream:
    """A streamed body read inside its request's transaction, which it ends: after the last
    piece, or when the server closes the response unfinished (a download abandoned midway).

    On SQLite the project opens database files in WAL mode (partystats/settings/base.py): the
    transaction reads one snapshot for the whole download while an import commits beside it,
    as on PostgreSQL. In SQLite's default rollback journal it held a read lock for the whole
    download instead, and an import's commit waited for the download to end, failing with
    "database is locked" after Python's busy timeout (5 s). A download still open keeps the
    -wal file from being started over: what imports commit meanwhile makes it grow, and it is
    written from its start again after the download."""

    def __init__(self, content: Iterable[bytes], transaction_end: ExitStack):
        self.content = content
        self.transaction_end = transaction_end

    def __iter__(self) -> Iterator[bytes]:
        with self.transaction_end:
            yield from self.content

    def close(self) -> None:
        """Called by the response's close(), once the server is done with it; nothing left to
        do when the body was read to its end."""
        self.transaction_end.close()


def _data_version_model():
    from units.models import DataVersion

    return DataVersion
