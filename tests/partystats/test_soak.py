"""A load test, bounded and on loopback only: several minutes at 32 connections end with no
error and steady memory (issue 5, "Faults tested").

gunicorn serves the demo data with the production settings (DEBUG off, the page cache on,
static files collected and served by WhiteNoise), two workers as in the Docker image
(WEB_CONCURRENCY), gthread ones with 4 threads so that connections are kept alive, on a database
of this module's own (tests/servers.py). The only differences
from production: STATIC_ROOT is a temporary folder, and the requests carry
X-Forwarded-Proto: https as the TLS proxy in front of the site would add it.

32 client threads, each on one keep-alive connection, go round the same list of pages: the
province, district, commune and village pages at several dates, the coverage table with
filters, its CSV export, the JSON API and a static file; once a page's ETag is known, one
request for it in four revalidates, as a caching proxy in front of the site would. Half the
requests go to the pages most visitors open, half to a long tail of communes and villages, some
500 addresses in all, about what one worker's page cache keeps (CACHE_MAX_ENTRIES, 500), so
pages are rendered and evicted all along, not only served from memory.

The run lasts PARTYSTATS_SOAK_SECONDS (180 by default) after one warm-up pass over every
address. Every response must be 200 or 304 and complete (its length as announced, an HTML page
up to </html>, a CSV export with the same rows every time, JSON that parses); the workers must
stay the same processes (none killed for a timeout or a crash); and their memory must be
steady (see RSS_GROWTH_LIMIT). `pytest -s` prints the figures.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.servers import ScratchDatabases, Server, manage_ok, rss_bytes, server_start

pytestmark = pytest.mark.soak

SOAK_SECONDS = float(os.environ.get("PARTYSTATS_SOAK_SECONDS", "180"))
CONNECTIONS = 32
WORKERS = 2
THREADS = 4
# Seconds between two readings of the workers' memory: every 2 s, more often in a short run so
# that even a few seconds' soak (PARTYSTATS_SOAK_SECONDS=5) has the readings the memory verdict
# needs (at least 6) instead of failing on medians of nothing.
SAMPLE_EVERY = min(2.0, SOAK_SECONDS / 12)
REQUEST_TIMEOUT = 60.0
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
# Steady memory: the median of the workers' summed resident memory over the last third of the
# run exceeds that over the first third by less than this. Measured on a 2-core machine (two
# workers, some 200 MB together, 180 s at ~650 requests a second): the page caches fill in the
# first half minute (+7 MB), then the sum stays flat (+0.6 MB on SQLite, +1.8 MB on PostgreSQL
# between the two medians). 20 MB (10 %) leaves room for that fill to fall between the medians
# on a slower machine and for the allocator's drift, while a leak of 1 kB a request would add
# some 70 MB between them.
RSS_GROWTH_LIMIT = 20 * 1024 * 1024
OLD_DATE, REFORM_EVE = "2017-12-31", "2025-06-30"
SETTINGS_MODULE = "soak_settings"
SETTINGS_TEXT = '''"""The production settings, static files collected into a temporary folder."""

from partystats.settings.production import *  # noqa: F403

STATIC_ROOT = {static_root!r}
'''


# ---------------------------------------------------------------------------- the site


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("soak")
    (folder / f"{SETTINGS_MODULE}.py").write_text(
        SETTINGS_TEXT.format(static_root=str(folder / "static"))
    )
    production = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(folder),
    }
    databases = ScratchDatabases(folder, "soak")
    try:
        database_url = databases.create("soak")
        manage_ok(database_url, "migrate", "--verbosity", "0")
        manage_ok(database_url, "load_demo")
        manage_ok(
            database_url,
            "collectstatic",
            "--noinput",
            "--verbosity",
            "0",
            settings=SETTINGS_MODULE,
            extra_env=production,
        )
        server = server_start(
            database_url,
            folder / "gunicorn.log",
            settings=SETTINGS_MODULE,
            workers=WORKERS,
            threads=THREADS,
            extra_env=production,
            headers=PROXY_HEADERS,
        )
        try:
            yield server
        finally:
            server.stop()
    finally:
        databases.close()


# ---------------------------------------------------------------------------- the addresses


def figures(server: Server, unit_id: int, date: str = "") -> dict:
    query = f"unit={unit_id}" + (f"&date={date}" if date else "")
    return json.loads(server.fetch(f"/api/v1/figures?{query}"))


def soak_urls(server: Server) -> list[str]:
    """The round the clients go: a page most visitors open (the province, a district, the
    coverage table, an export, the API) between every two of the long tail (each commune and
    one village in eight, as a crawler would go through them), found by walking the API."""
    provinces = json.loads(server.fetch("/api/v1/units"))["units"]
    before = next(p for p in provinces if p["scheme"] == "gso2004")
    after = next(p for p in provinces if p["scheme"] == "gso2025")
    popular = [f"/u/{before['id']}/?date={date}" for date in ("2015-12-31", OLD_DATE, REFORM_EVE)]
    popular += [f"/u/{after['id']}/", f"/api/v1/figures?unit={before['id']}&date={OLD_DATE}"]
    popular += coverage_urls() + static_urls(server, popular[0])
    tail, villages = [], []
    for district in figures(server, before["id"], OLD_DATE)["children"]:
        popular.append(f"/u/{district['id']}/?date={OLD_DATE}")
        tail.append(f"/u/{district['id']}/?date={REFORM_EVE}")
        for commune in figures(server, district["id"], OLD_DATE)["children"]:
            tail.append(f"/u/{commune['id']}/?date={OLD_DATE}")
            children = figures(server, commune["id"], OLD_DATE)["children"]
            villages += [child["url"] for child in children]
    tail += [f"/u/{commune['id']}/" for commune in figures(server, after["id"])["children"]]
    tail += villages[::8]
    return [url for pair in zip(itertools.cycle(popular), tail) for url in pair]


def coverage_urls() -> list[str]:
    tables = [
        "",
        f"?date={OLD_DATE}&group=village&status=no_members",
        f"?date={OLD_DATE}&group=village&page=2",
        "?group=village&sort=-members&page=3",
        f"?date={OLD_DATE}&group=commune&sort=-villages",
        "?group=commune&q=muong",
        f"?date={OLD_DATE}&group=village&members_min=1&members_max=2",
        f"?date={REFORM_EVE}&group=district",
        "?group=province",
    ]
    exports = [
        f"?date={OLD_DATE}&group=commune&format=csv",
        f"?date={OLD_DATE}&group=village&format=csv",
        "?group=village&status=joined&format=csv",
    ]
    return [f"/coverage/{query}" for query in tables + exports]


def static_urls(server: Server, page: str) -> list[str]:
    """The stylesheet and a script the province page links to (hashed names: production)."""
    html = server.fetch(page).decode()
    found = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    assert found, "the province page links to no static file"
    return sorted(set(found))[:2]


# ---------------------------------------------------------------------------- the load


@dataclass
class Tally:
    """What the clients saw; each client keeps its own, added up at the end."""

    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.statuses += other.statuses
        self.latencies += other.latencies
        self.errors += other.errors

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


class Load:
    """CONNECTIONS client threads, each on one keep-alive connection, taking the next address
    from a shared round until the deadline."""

    def __init__(self, server: Server, urls: list[str]) -> None:
        self.server = server
        self.urls = urls
        self.csv_rows: dict[str, int] = {}  # rows of each export, the first time it is seen
        # The ETags seen, shared by the clients as a caching proxy in front would hold them.
        self.etags: dict[str, str] = {}
        self.lock = threading.Lock()

    def run(self, *, seconds: float | None = None) -> Tally:
        """For `seconds`, or once over every address when None (the warm-up)."""
        addresses = itertools.cycle(self.urls) if seconds else iter(self.urls)
        deadline = time.monotonic() + (seconds or 0)
        tallies = [Tally() for _ in range(CONNECTIONS)]
        threads = [
            threading.Thread(target=self._client, args=(addresses, deadline, seconds, tally))
            for tally in tallies
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        total = Tally()
        for tally in tallies:
            total.add(tally)
        return total

    def _next(self, addresses) -> str | None:
        with self.lock:
            return next(addresses, None)

    def _client(self, addresses, deadline: float, timed: float | None, tally: Tally) -> None:
        connection = self.server.connection(timeout=REQUEST_TIMEOUT)
        revalidate = itertools.cycle((False, False, False, True))
        while not timed or time.monotonic() < deadline:
            url = self._next(addresses)
            if url is None:
                break
            headers = dict(self.server.headers)
            etag = self.etags.get(url)
            if etag and next(revalidate):
                headers["If-None-Match"] = etag
            started = time.monotonic()
            try:
                connection.request("GET", url, headers=headers)
                response = connection.getresponse()
                body = response.read()  # IncompleteRead if shorter than announced
            except Exception as error:  # counted as an error, then a fresh connection
                tally.errors.append(f"{url}: {error!r}")
                connection.close()
                connection = self.server.connection(timeout=REQUEST_TIMEOUT)
                continue
            tally.latencies.append(time.monotonic() - started)
            tally.statuses[response.status] += 1
            problem = self._problem(url, response.status, body)
            if problem:
                tally.errors.append(f"{url}: {problem}")
            elif response.getheader("ETag"):
                self.etags[url] = response.getheader("ETag")
        connection.close()

    def _problem(self, url: str, status: int, body: bytes) -> str:
        """Why a response is wrong or incomplete, or ""."""
        if status == 304:
            return "" if not body else "a 304 with a body"
        if status != 200:
            return f"status {status}: {body[:200]!r}"
        if "format=csv" in url:
            return self._csv_problem(url, body)
        if url.startswith("/api/"):
            try:
                json.loads(body)
            except ValueError:
                return "JSON that does not parse"
            return ""
        if url.startswith("/static/"):
            return "" if body else "an empty static file"
        return "" if body.rstrip().endswith(b"</html>") else "a page cut short"

    def _csv_problem(self, url: str, body: bytes) -> str:
        if not body.startswith(b"\xef\xbb\xbf"):
            return "a CSV export without its byte order mark"
        rows = body.count(b"\n")
        with self.lock:
            expected = self.csv_rows.setdefault(url, rows)
        return "" if rows == expected else f"a CSV export of {rows} lines, not {expected}"


# ---------------------------------------------------------------------------- memory


class MemorySampler(threading.Thread):
    """Reads the workers' resident memory every SAMPLE_EVERY seconds."""

    def __init__(self, server: Server) -> None:
        super().__init__()
        self.server = server
        self.stopping = threading.Event()
        self.samples: list[dict[int, int]] = []  # worker pid → RSS, per reading

    def run(self) -> None:
        while not self.stopping.wait(SAMPLE_EVERY):
            sample = {}
            for pid in self.server.worker_pids():
                try:
                    sample[pid] = rss_bytes(pid)
                except OSError:
                    pass  # a worker that just ended: the test fails on the changed workers
            self.samples.append(sample)

    def stop(self) -> None:
        self.stopping.set()
        self.join()

    def totals(self) -> list[int]:
        return [sum(sample.values()) for sample in self.samples]


def thirds_medians(values: list[int]) -> tuple[float, float]:
    third = len(values) // 3
    return statistics.median(values[:third]), statistics.median(values[-third:])


def mb(value: float) -> str:
    return f"{value / 1024 / 1024:.1f} MB"


# ---------------------------------------------------------------------------- the test


def test_soak_at_32_connections_ends_without_error_and_with_steady_memory(demo_server):
    server = demo_server
    urls = soak_urls(server)
    workers = server.worker_pids()
    assert len(workers) == WORKERS
    load = Load(server, urls)

    warm_up = load.run()
    assert not warm_up.errors, "\n".join(warm_up.errors[:10])
    assert warm_up.requests == len(urls)

    sampler = MemorySampler(server)
    sampler.start()
    started = time.monotonic()
    try:
        soak = load.run(seconds=SOAK_SECONDS)
    finally:
        sampler.stop()
    elapsed = time.monotonic() - started

    totals = sampler.totals()
    first, last = thirds_medians(totals)
    latencies = sorted(soak.latencies)
    print(
        f"\nsoak: {len(set(urls))} addresses ({len(urls)} a round), "
        f"{CONNECTIONS} connections, {elapsed:.0f} s, "
        f"{soak.requests} requests ({soak.requests / elapsed:.0f}/s), "
        f"statuses {dict(soak.statuses)}, errors {len(soak.errors)}\n"
        f"latency p50 {1000 * latencies[len(latencies) // 2]:.0f} ms, "
        f"p99 {1000 * latencies[int(len(latencies) * 0.99)]:.0f} ms, "
        f"max {1000 * latencies[-1]:.0f} ms\n"
        f"workers' RSS (MB): {' '.join(f'{t / 1024 / 1024:.0f}' for t in totals)}\n"
        f"median first third {mb(first)}, last third {mb(last)}, growth {mb(last - first)}"
    )

    assert not soak.errors, f"{len(soak.errors)} errors:\n" + "\n".join(soak.errors[:10])
    assert set(soak.statuses) <= {200, 304}
    assert soak.statuses[304] > 0, "no revalidation was answered 304"
    assert server.worker_pids() == workers, "a worker died or was replaced during the run"
    assert all(set(sample) == set(workers) for sample in sampler.samples)
    assert len(totals) >= 6, "too few memory readings to judge"
    assert last - first < RSS_GROWTH_LIMIT, f"memory grew by {mb(last - first)}"
