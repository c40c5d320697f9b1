"""How fast the public pages are served (issues 5 and 10): a script that prints figures, not a test.

    .venv/bin/python bench/serve_load.py                      # bench/national.sqlite3
    .venv/bin/python bench/serve_load.py --db /tmp/demo.sqlite3 --duration 5 --workers 3

Needs Debian's `wrk` (`apt-get install wrk`) and, for the comparison, Datasette in the
virtualenv (`pip install datasette`, the `bench` extra); without Datasette its columns are empty.

What it does, on one SQLite file, opened read-only by both servers:
1. picks real URLs from the database: the province with the most villages at the latest date
   before the 1/7/2025 reform, its largest district, that district's largest commune and one of
   its villages; the coverage table (one row per village) filtered to that province and one
   status, the CSV and JSON exports of the same table, and the JSON API's figures of the
   district (with its communes);
2. collects the static files into a temporary folder and starts gunicorn on 127.0.0.1 with the
   production settings (bench/settings_bench.py: DEBUG off, no redirect to HTTPS), puts a file
   with the bytes of the province page into the static folder (served by WhiteNoise from the
   same process, as the site's own static files are), and starts Datasette on the same file
   (`datasette serve --immutable`) on another port;
3. runs wrk at 1 and at 32 connections on each URL: partystats with the URL repeated (so a page
   cache answers after the first hit: "cached"), partystats with a query string of its own on
   every request (bench/uncached.lua: a fresh render each time: "uncached"), the static copy
   through WhiteNoise, and Datasette's answer to the same question:
   - province, district, commune: its table view of the village figures at that date, filtered to
     the unit's communes, faceted by status (`units_villagefigure?period_id=…&_facet=status`);
   - village: its row page (`units_village/<id>`);
   - coverage: the province's village figures with the status filter, faceted by status;
   - CSV: the same rows as a streamed CSV with the foreign keys' labels
     (`units_villagefigure.csv?_stream=on&_labels=on&…`); JSON: the same rows as JSON
     (`units_villagefigure.json?_labels=on&_size=max&…`);
   - API: the coverage rows of the district and its communes at that date
     (`units_coverage.json?_labels=on&…`).
   The servers take turns: only the one measured is under load.

wrk runs on the same machine as the servers, so at 32 connections it takes CPU from them: the
figures are for the whole machine. Latencies are wrk's (`--latency`, `--timeout 30s`, so a slow
answer is counted, not dropped); gunicorn's sync workers close the connection after each answer
while Datasette (uvicorn) keeps it open.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from machine import machine  # noqa: E402  (bench/machine.py, beside this script)

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
UNCACHED_SCRIPT = PROJECT / "bench" / "uncached.lua"
REFORM = "2025-07-01"  # districts exist before this date only
STATIC_PAGE = "bench/province-page.html"  # under STATIC_ROOT, served at /static/…
# Issue 5: cached pages at 32 connections; issue 10: every URL uncached at 1 connection, the
# exports of a small filtered table faster still.
GOAL_MEDIAN_MS, GOAL_P99_MS, GOAL_STATIC_RATIO = 50, 150, 2.0
GOAL_UNCACHED_MS, GOAL_EXPORT_MS = 50, 20
PAGE_KINDS = ("province", "district", "commune", "village", "coverage")
EXPORT_KINDS = ("CSV", "JSON")


# ---------------------------------------------------------------------------- the questions


@dataclass
class Question:
    """One URL kind, asked of partystats and (when it can answer) of Datasette."""

    kind: str
    path: str  # on partystats
    datasette: str | None = None  # the same question to Datasette
    size: int = 0  # bytes of partystats' answer


def questions_pick(db: Path, status: str) -> tuple[list[Question], str]:
    """Real URLs from the database; also a description of what was picked."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return _questions(connection, db, status)
    finally:
        connection.close()


def _questions(connection: sqlite3.Connection, db: Path, status: str) -> tuple[list, str]:
    def one(sql: str, *args):
        row = connection.execute(sql, args).fetchone()
        if row is None:
            raise SystemExit(f"Nothing in {db} for: {' '.join(sql.split())} {args}")
        return row

    period, date = one(
        """SELECT p.id, p.date FROM units_period p
           WHERE p.date < ? AND EXISTS (SELECT 1 FROM units_coverage c WHERE c.period_id = p.id)
           ORDER BY p.date DESC LIMIT 1""",
        REFORM,
    )
    # The commune → district → province path of each village figure at that date.
    by_place = """SELECT {key}, count(*) FROM units_villagefigure f
        JOIN units_unit c ON c.id = f.commune_id JOIN units_unit d ON d.id = c.parent_id
        WHERE f.period_id = ? {where} GROUP BY {key} ORDER BY count(*) DESC, {key} LIMIT 1"""
    province, _ = one(by_place.format(key="d.parent_id", where=""), period)
    district, _ = one(by_place.format(key="d.id", where="AND d.parent_id = ?"), period, province)
    commune, _ = one(by_place.format(key="c.id", where="AND c.parent_id = ?"), period, district)
    (village,) = one(
        "SELECT min(village_id) FROM units_villagefigure WHERE period_id = ? AND commune_id = ?",
        period,
        commune,
    )
    names = dict(
        connection.execute(
            "SELECT id, name FROM units_unit WHERE id IN (?, ?, ?)", (province, district, commune)
        )
    )
    (matching,) = one(
        """SELECT count(*) FROM units_villagefigure f JOIN units_unit c ON c.id = f.commune_id
           JOIN units_unit d ON d.id = c.parent_id
           WHERE f.period_id = ? AND f.status = ? AND d.parent_id = ?""",
        period,
        status,
        province,
    )
    dated = f"?date={date}"
    coverage = urlencode({"date": date, "group": "village", "province": province, "status": status})
    name = quote(db.stem)
    table = f"/{name}/units_villagefigure"
    in_province = (
        "commune_id in (select c.id from units_unit c join units_unit d on d.id = c.parent_id"
        f" where d.parent_id = {province})"
    )
    in_district = f"commune_id in (select id from units_unit where parent_id = {district})"

    def facets(**params) -> str:
        return urlencode({"period_id": period, **params, "_facet": "status"})

    stream = urlencode(
        {"_stream": "on", "_labels": "on", "period_id": period, "status": status}
        | {"_where": in_province}
    )
    # The JSON export's rows, and the API's answer for the district (its figures and its
    # communes'): Datasette's JSON of the same rows, foreign keys labelled, all in one page.
    rows_json = urlencode(
        {"_labels": "on", "_size": "max", "period_id": period, "status": status}
        | {"_where": in_province}
    )
    district_json = urlencode(
        {"_labels": "on", "_size": "max", "period_id": period}
        | {"_where": f"unit_id in (select id from units_unit where {district} in (id, parent_id))"}
    )
    questions = [
        Question("province", f"/u/{province}/{dated}", f"{table}?{facets(_where=in_province)}"),
        Question("district", f"/u/{district}/{dated}", f"{table}?{facets(_where=in_district)}"),
        Question("commune", f"/u/{commune}/{dated}", f"{table}?{facets(commune_id=commune)}"),
        Question("village", f"/v/{village}/", f"/{name}/units_village/{village}"),
        Question(
            "coverage",
            f"/coverage/?{coverage}",
            f"{table}?{facets(status=status, _where=in_province)}",
        ),
        Question("CSV", f"/coverage/?{coverage}&format=csv", f"{table}.csv?{stream}"),
        Question("JSON", f"/coverage/?{coverage}&format=json", f"{table}.json?{rows_json}"),
        Question(
            "API",
            f"/api/v1/figures?unit={district}&date={date}",
            f"/{name}/units_coverage.json?{district_json}",
        ),
    ]
    picked = (
        f"date {date} (the latest before the reform); province {names[province]} (id {province}),"
        f" district {names[district]} ({district}), commune {names[commune]} ({commune}),"
        f" village {village}; coverage and CSV: status {status}, {matching:,} rows"
    )
    return questions, picked


# ---------------------------------------------------------------------------- the servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server process on 127.0.0.1, stopped (by its own process id) on exit."""

    def __init__(self, name: str, args: list[str], port: int, env: dict, log: Path) -> None:
        self.name, self.args, self.port, self.env, self.log = name, args, port, env, log
        self.process: subprocess.Popen | None = None
        self.ready_path = "/"
        self.concurrency = 1  # requests it answers at once: its worker processes

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str, seconds: float = 120) -> None:
        self.ready_path = ready_path  # a cheap URL: answered means the queue is empty
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.args, cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                fetch(self.base + ready_path, timeout=10)
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        self.stop()
        raise SystemExit(
            f"{self.name} did not start ({' '.join(self.args)}):\n{self.log_tail(3000)}"
        )

    def load(self, url: str, connections: int, duration: int, script: Path | None = None):
        """wrk on one URL, then wait until the requests wrk left queued are answered."""
        result = wrk(url, connections, duration, script)
        self.settle()
        return result

    def settle(self, seconds: float = 600) -> None:
        """Wait until `concurrency` requests at once for the ready URL are answered quickly: the
        server has finished what an earlier run left it (requests wrk gave up on still run)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if max(self._at_once(self.base + self.ready_path, self.concurrency)) < 0.25:
                return
        raise SystemExit(f"{self.name} still busy after {seconds:.0f} s")

    def warm(self, url: str) -> None:
        """Two rounds of as many requests at once as the server has processes, and one more:
        every gunicorn worker has rendered the page (the page cache is one per process with
        locmem://) before the measured run, and nothing is left queued."""
        try:
            for _ in range(2):
                self._at_once(url, self.concurrency + 1)
        except (NotOK, OSError, http.client.HTTPException) as error:  # wrk counts failures
            print(f"  warm-up: {error}; the end of the {self.name} log:\n{self.log_tail(1500)}")
        self.settle()

    def log_tail(self, characters: int) -> str:
        return self.log.read_text(errors="replace")[-characters:]

    @staticmethod
    def _at_once(url: str, count: int) -> list[float]:
        def timed(_) -> float:
            started = time.perf_counter()
            fetch(url, timeout=600)
            return time.perf_counter() - started

        with ThreadPoolExecutor(count) as pool:
            return list(pool.map(timed, range(count)))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class NotOK(Exception):
    pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer of its own: wrk would not follow it either


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url: str, timeout: float = 120) -> bytes:
    """The body of a 200 answer; anything else raises."""
    try:
        with OPENER.open(url, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise NotOK(f"{url}: HTTP {error.code}") from None


def partystats_server(
    db: Path, static_root: Path, workers: int, threads: int, log: Path, timeout: int | None = None
) -> Server:
    """gunicorn as in production; `timeout` None keeps gunicorn's default (30 s), as the
    Dockerfile does."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{db}",
        "BENCH_STATIC_ROOT": str(static_root),
        "SECURE_SSL_REDIRECT": "false",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=PROJECT,
        env=env,
        check=True,
    )
    port = free_port()
    args = [str(BIN / "gunicorn"), "partystats.wsgi", "--bind", f"127.0.0.1:{port}"]
    args += ["--workers", str(workers), "--no-control-socket"]
    if timeout is not None:
        args += ["--timeout", str(timeout)]
    if threads > 1:
        args += ["--threads", str(threads)]  # gthread workers
    server = Server("gunicorn", args, port, env, log)
    server.concurrency = workers * threads
    return server


def wal_checkpoint(db: Path) -> None:
    """Every commit copied from the -wal file into the database file, which Datasette reads
    alone (`--immutable`). The site opens its databases in WAL mode (partystats/settings/
    base.py): a process that ended without closing its connection leaves commits in the -wal."""
    connection = sqlite3.connect(db)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    if busy:
        raise SystemExit(f"{db} is in use: its -wal file could not be copied into it")


def datasette_server(db: Path, log: Path) -> Server | None:
    command = BIN / "datasette"
    if not command.exists():
        found = shutil.which("datasette")
        if found is None:
            return None
        command = Path(found)
    port = free_port()
    args = [str(command), "serve", "--immutable", str(db), "--host", "127.0.0.1"]
    args += ["--port", str(port)]
    # Long enough limits that Datasette answers every question in full rather than giving up:
    # counts and facets computed, CSV not truncated. The rest is its default.
    for setting, value in (
        ("sql_time_limit_ms", 10_000),
        ("facet_time_limit_ms", 10_000),
        ("max_returned_rows", 1000),
        ("max_csv_mb", 0),
    ):
        args += ["--setting", setting, str(value)]
    return Server("datasette", args, port, dict(os.environ), log)


# ---------------------------------------------------------------------------- wrk


@dataclass
class Load:
    median_ms: float
    p99_ms: float
    rate: float  # requests per second
    requests: int
    errors: str = ""  # non-2xx answers, socket errors and timeouts, when there are any
    duration: int = 0  # seconds wrk ran


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def wrk(url: str, connections: int, duration: int, script: Path | None = None) -> Load:
    threads = min(2, connections)
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    args += ["--timeout", "30s"]
    if script is not None:
        args += ["-s", str(script), url, "--", secrets.token_hex(4)]
    else:
        args.append(url)
    result = subprocess.run(args, capture_output=True, text=True, check=True)
    load = wrk_parse(result.stdout)
    load.duration = duration
    return load


def wrk_parse(output: str) -> Load:
    def latency(percent: str) -> float:
        found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
        if found is None:
            raise SystemExit(f"wrk printed no {percent}% latency:\n{output}")
        return float(found.group(1)) * UNITS_MS[found.group(2)]

    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    requests = re.search(r"^\s+(\d+) requests in", output, re.M)
    if rate is None or requests is None:
        raise SystemExit(f"Unexpected wrk output:\n{output}")
    errors = []
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors.append(f"{non_2xx.group(1)} non-2xx")
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        counts = dict(re.findall(r"(\w+) (\d+)", socket_errors.group(1)))
        errors += [f"{count} {kind}" for kind, count in counts.items() if count != "0"]
    if int(requests.group(1)) == 0:  # nothing answered in time: wrk prints zero latencies
        return Load(float("inf"), float("inf"), 0.0, 0)
    return Load(
        latency("50"),
        latency("99"),
        float(rate.group(1)),
        int(requests.group(1)),
        ", ".join(errors),
    )


# ---------------------------------------------------------------------------- the benchmark


@dataclass
class Row:
    kind: str
    connections: int
    size: int
    loads: dict[str, Load | None] = field(default_factory=dict)  # column → measure


CACHED, UNCACHED, DATASETTE = "cached: repeated URL", "uncached: fresh URL", "Datasette"
COLUMNS = (CACHED, UNCACHED, DATASETTE)


def measure(
    questions: list[Question],
    partystats: Server,
    datasette: Server | None,
    connection_counts: list[int],
    duration: int,
) -> tuple[list[Row], list[Row]]:
    """The table rows, and the cached page against WhiteNoise serving its bytes."""
    rows = []
    for question in questions:
        for connections in connection_counts:
            row = Row(question.kind, connections, question.size)
            url = partystats.base + question.path
            partystats.warm(url)
            row.loads[CACHED] = partystats.load(url, connections, duration)
            row.loads[UNCACHED] = partystats.load(url, connections, duration, UNCACHED_SCRIPT)
            if datasette is not None and question.datasette:
                url = datasette.base + question.datasette
                row.loads[DATASETTE] = datasette.load(url, connections, duration)
            print(f"  {row_line(row)}", flush=True)
            rows.append(row)
    static = []
    province = questions[0]
    for connections in connection_counts:
        row = Row("province page, cached", connections, province.size)
        url = partystats.base + province.path
        partystats.warm(url)
        row.loads[CACHED] = partystats.load(url, connections, duration)
        whitenoise = Row("same bytes, WhiteNoise", connections, province.size)
        url = f"{partystats.base}/static/{STATIC_PAGE}"
        whitenoise.loads[CACHED] = partystats.load(url, connections, duration)
        static += [row, whitenoise]
    return rows, static


def cell(load: Load | None) -> str:
    if load is None:
        return f"{'—':>8} {'—':>8} {'—':>7}"
    if not load.requests:  # not one answer within the run
        over = f"> {load.duration} s"
        return f"{over:>8} {over:>8} {0:7}"
    return f"{load.median_ms:8.1f} {load.p99_ms:8.1f} {load.rate:7.1f}"


def row_line(row: Row) -> str:
    cells = " | ".join(cell(row.loads.get(column)) for column in COLUMNS)
    errors = "; ".join(
        f"{column}: {load.errors}"
        for column, load in row.loads.items()
        if load is not None and load.errors
    )
    return f"{row.kind:9} {row.connections:>5} {row.size / 1024:7.0f} | {cells}  {errors}"


def table_print(rows: list[Row]) -> None:
    titles = " | ".join(f"{title:^25}" for title in COLUMNS)
    print(f"{'':9} {'':>5} {'':>7} | {titles}")
    sub = " | ".join(f"{'median':>8} {'p99':>8} {'req/s':>7}" for _ in COLUMNS)
    header = f"{'URL kind':9} {'conns':>5} {'KiB':>7} | {sub}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(row_line(row))
    print("(times in ms; KiB: partystats' answer; —: not asked)")


def static_print(rows: list[Row]) -> None:
    print(
        f"\n{'cached page against a static file':34} {'conns':>5} {'median':>8} {'p99':>8} "
        f"{'req/s':>7}"
    )
    for row in rows:
        load = row.loads[CACHED]
        print(
            f"{row.kind:34} {row.connections:>5} {load.median_ms:8.2f} {load.p99_ms:8.2f} "
            f"{load.rate:7.1f}"
        )


def _ms(load: Load) -> str:
    if not load.requests:
        return f"> {load.duration} s"
    return f"{load.median_ms:.0f}/{load.p99_ms:.0f} ms"


def goals_print(rows: list[Row], static: list[Row], busiest: int) -> None:
    def verdict(met: bool) -> str:
        return "met" if met else "NOT MET"

    print("\nGoals")
    uncached_at_1 = [r for r in rows if r.connections == 1]
    for label, kinds, goal in (
        ("every URL kind", None, GOAL_UNCACHED_MS),
        ("the CSV and JSON exports of the filtered table", EXPORT_KINDS, GOAL_EXPORT_MS),
    ):
        chosen = [r for r in uncached_at_1 if kinds is None or r.kind in kinds]
        misses = [
            f"{r.kind} {_ms(r.loads[UNCACHED])}"
            for r in chosen
            if r.loads[UNCACHED].median_ms >= goal
        ]
        print(
            f"- {label} uncached under {goal} ms median at 1 connection:"
            f" {verdict(bool(chosen) and not misses)}"
            + (f" (median/p99: {', '.join(misses)})" if misses else "")
        )
    pages = [r for r in rows if r.kind in PAGE_KINDS and r.connections == busiest]
    misses = [
        f"{r.kind} {_ms(r.loads[CACHED])}"
        for r in pages
        if r.loads[CACHED].median_ms >= GOAL_MEDIAN_MS or r.loads[CACHED].p99_ms >= GOAL_P99_MS
    ]
    print(
        f"- pages under {GOAL_MEDIAN_MS} ms median and {GOAL_P99_MS} ms p99 at {busiest}"
        f" connections, {CACHED}: {verdict(not misses)}"
        + (f" (median/p99: {', '.join(misses)})" if misses else "")
    )
    compared = [r for r in rows if r.loads.get(DATASETTE) is not None]
    if compared:
        for column in (CACHED, UNCACHED):
            slower = [
                f"{r.kind}@{r.connections}"
                for r in compared
                if r.loads[column].median_ms >= r.loads[DATASETTE].median_ms
                or r.loads[column].rate <= r.loads[DATASETTE].rate
            ]
            print(
                f"- faster than Datasette (median and req/s) on every one, {column}: "
                f"{verdict(not slower)}" + (f" (not on: {', '.join(slower)})" if slower else "")
            )
    else:
        print("- faster than Datasette: not measured (--no-datasette, or Datasette is missing)")
    for page, whitenoise in zip(static[::2], static[1::2], strict=True):
        cached, file = page.loads[CACHED], whitenoise.loads[CACHED]
        if not (cached.requests and file.requests):
            print(f"- cached page within {GOAL_STATIC_RATIO:g}× of WhiteNoise: no answer")
            continue
        ratio = max(cached.median_ms / file.median_ms, file.rate / cached.rate)
        print(
            f"- cached page within {GOAL_STATIC_RATIO:g}× of WhiteNoise at {page.connections}"
            f" connections: {verdict(ratio <= GOAL_STATIC_RATIO)} ({ratio:.1f}×, the worse of"
            " median and req/s)"
        )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    busy = " — the machine is busy: figures are inflated" if one > 0.5 else ""
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}{busy}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=PROJECT / "bench" / "national.sqlite3")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", default="1,32", help="comma-separated")
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers (production: 2, WEB_CONCURRENCY)"
    )
    parser.add_argument("--threads", type=int, default=1, help="> 1: gthread workers")
    parser.add_argument("--status", default="joined", help="the coverage table's status filter")
    parser.add_argument("--kinds", help="only these URL kinds, comma-separated (e.g. village,CSV)")
    parser.add_argument("--no-datasette", action="store_true")
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: install Debian's wrk package (sudo apt-get install wrk)")
    db = arguments.db.resolve()
    if not db.exists():
        raise SystemExit(f"No database at {db}: give one with --db")
    connection_counts = [int(part) for part in arguments.connections.split(",")]
    print(f"Machine: {machine()}")
    print(f"Load average before the run: {load_average()}")
    print(f"Database: {db} ({db.stat().st_size / 1_048_576:,.0f} MB)")
    wal_checkpoint(db)  # before either server: the site only reads, adding nothing to it
    questions, picked = questions_pick(db, arguments.status)
    print(f"Picked: {picked}")
    if arguments.kinds:
        kinds = arguments.kinds.split(",")
        questions = [q for q in questions if q.kind in kinds or q.kind == "province"]
    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    servers: list[Server] = []
    try:
        static_root = folder / "static"
        partystats = partystats_server(
            db, static_root, arguments.workers, arguments.threads, folder / "gunicorn.log"
        )
        servers.append(partystats)
        partystats.start("/static/css/site.css")  # a file every collectstatic has
        bodies = [fetch(partystats.base + question.path) for question in questions]
        for question, body in zip(questions, bodies, strict=True):
            question.size = len(body)
        # WhiteNoise indexes the static folder when a worker starts: write, then restart.
        partystats.stop()
        (static_root / STATIC_PAGE).parent.mkdir(parents=True, exist_ok=True)
        (static_root / STATIC_PAGE).write_bytes(bodies[0])
        partystats.start(f"/static/{STATIC_PAGE}")
        datasette = None
        if not arguments.no_datasette:
            datasette = datasette_server(db, folder / "datasette.log")
            if datasette is None:
                print("Datasette is missing (pip install datasette): its columns stay empty")
            else:
                servers.append(datasette)
                # Ready, and later settled, when a query through its SQL threads is answered.
                datasette.start(f"/{quote(db.stem)}.json?sql=select+1")
                for question in questions:
                    fetch(datasette.base + question.datasette)  # answers, and warms up
        print(
            f"gunicorn: {arguments.workers} workers"
            + (f" × {arguments.threads} threads" if arguments.threads > 1 else " (sync)")
            + f"; wrk {arguments.duration} s per run; each row as it is measured:"
        )
        rows, static = measure(
            questions, partystats, datasette, connection_counts, arguments.duration
        )
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print("\ncached: the same URL every time (the page cache answers after the first hit);")
    print("uncached: a query string of its own on every request (a fresh render each time);")
    print("Datasette: the same question asked of Datasette.\n")
    table_print(rows)
    static_print(static)
    goals_print(rows, static, max(connection_counts))
    print(f"\nLoad average at the end: {load_average()}")


if __name__ == "__main__":
    main()
