"""Memory and speed of the coverage table's exports (issue 5): prints figures, not a test.

    .venv/bin/python bench/export_memory.py                   # bench/national.sqlite3
    .venv/bin/python bench/export_memory.py --db /tmp/demo.sqlite3 --formats csv

Each export runs in a subprocess of its own (the production settings of bench/settings_bench.py,
DEBUG off), through the whole middleware stack with Django's test client: `/coverage/` with one
row per village at the latest date, `format=csv` (streamed) or `format=xlsx`. The client reads
the answer chunk by chunk and keeps only the byte count, as a WSGI server writing to a socket
would. Sizes: every village, and the villages with at most K members, K chosen so that about
`--sizes` rows remain (so the same export at 10,000 and 100,000 rows shows whether memory grows
with the rows).

Then, unless `--no-gunicorn`, the largest selection of each format once more through gunicorn
as the Dockerfile runs it (`gunicorn partystats.wsgi`, one gthread worker with 4 threads and a
120 s worker timeout; a sync worker with the default 30 s timeout was killed mid-way through the
national XLSX): wall time, whether the whole file arrived, and the worker
process's peak RSS (VmHWM in /proc/<worker>/status) before and after.

Peak memory is the subprocess's peak resident set size (`ru_maxrss` of the rusage that
`os.wait4` returns for that child). "before" is its peak after Django, the libraries and a first,
empty export of the same format: the export's own memory is the difference. RSS is also sampled
(VmRSS, /proc/self/status) at each tenth of the rows, to show whether it climbs while streaming.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "bench"))
import serve_load  # noqa: E402  (the gunicorn server, as bench/serve_load.py starts it)
from machine import machine  # noqa: E402

GOAL_MB = 150
EMPTY = {"q": "no village is called this"}  # the warm-up: same code path, no rows


# ---------------------------------------------------------------------------- parent side


@dataclass
class Measure:
    label: str
    format: str
    rows: int
    seconds: float
    cpu: float
    bytes: int
    before_mb: float
    samples_mb: list[float]
    peak_mb: float = 0.0


def selections(db: Path, sizes: list[int]) -> tuple[str, list[tuple[str, dict]]]:
    """The latest date with coverage, and a query per size: ({label}, {params})."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        period, date = connection.execute(
            """SELECT p.id, p.date FROM units_period p WHERE EXISTS
               (SELECT 1 FROM units_coverage c WHERE c.period_id = p.id)
               ORDER BY p.date DESC LIMIT 1"""
        ).fetchone()
        counts = connection.execute(
            """SELECT members, count(*) FROM units_villagefigure
               WHERE period_id = ? AND members IS NOT NULL GROUP BY members ORDER BY members""",
            (period,),
        ).fetchall()
    finally:
        connection.close()
    base = {"date": date, "group": "village"}
    chosen = [("every village", base)]
    reported = sum(count for _, count in counts)
    for size in sorted(sizes, reverse=True):
        members, rows = _members_for(counts, size)
        if rows < reported:  # else the filter would keep every reported village
            chosen.append((f"≤ {members} members", base | {"members_max": members}))
    return date, chosen


def _members_for(counts: list[tuple[int, int]], size: int) -> tuple[int, int]:
    """The fewest members K that keep at least `size` villages, and how many it keeps."""
    running = 0
    for members, count in counts:
        running += count
        if running >= size:
            return members, running
    return counts[-1][0], running


def measure(db: Path, export: str, label: str, params: dict, chunks: int) -> Measure:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{db}",
    }
    query = urlencode(params | {"format": export})
    empty = urlencode(params | EMPTY | {"format": export})
    args = [sys.executable, __file__, "--worker", query, empty, str(chunks)]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            args, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=errors
        )
        out = process.stdout.read().decode()
        process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise SystemExit(f"The {export} export failed:\n{out}\n{errors.read().decode()}")
    result = json.loads(out.strip().splitlines()[-1])
    return Measure(label, export, **result, peak_mb=usage.ru_maxrss / 1024)


@dataclass
class Served:
    label: str
    format: str
    status: str  # "complete", or what went wrong
    seconds: float
    bytes: int
    before_mb: float
    peak_mb: float | None  # None: the worker was gone (killed) when the download ended


def served(db: Path, export: str, label: str, params: dict, folder: Path) -> Served:
    """One export through gunicorn (one worker, as the Dockerfile runs it), read as a client."""
    server = serve_load.partystats_server(
        db, folder / "static", 1, 4, folder / "gunicorn.log", timeout=120
    )
    empty = urlencode(params | EMPTY | {"format": export})
    server.start("/static/css/site.css")
    serve_load.fetch(f"{server.base}/coverage/?{empty}")  # the worker has run an export once
    worker = _worker_pid(server.process.pid)
    before = _status_mb(worker, "VmHWM")
    url = f"{server.base}/coverage/?{urlencode(params | {'format': export})}"
    size, status = 0, "complete"
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=600) as response:
            expected = response.headers.get("Content-Length")
            while block := response.read(65536):
                size += len(block)
            if expected is not None and int(expected) != size:
                status = f"cut short at {size:,} of {int(expected):,} bytes"
    except urllib.error.HTTPError as error:
        status = f"HTTP {error.code}"
    except (OSError, http.client.HTTPException) as error:
        status = f"cut short at {size:,} bytes ({type(error).__name__})"
    seconds = time.perf_counter() - started
    peak = _status_mb(worker, "VmHWM")
    if peak is None or worker != _worker_pid(server.process.pid):
        status += "; the worker was killed (gunicorn's worker timeout)"
    server.stop()
    return Served(label, export, status, seconds, size, before or 0.0, peak)


def _worker_pid(master: int) -> int | None:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0]) if children else None


def _status_mb(pid: int | None, field: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def served_print(rows: list[Served]) -> None:
    print("\nThrough gunicorn (1 gthread worker × 4 threads, 120 s timeout, as the Dockerfile):")
    header = (
        f"{'format':6} {'rows':28} {'wall s':>7} {'MB out':>7} {'before':>7} {'peak MB':>8}  answer"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        peak = f"{row.peak_mb:8.0f}" if row.peak_mb is not None else f"{'—':>8}"
        print(
            f"{row.format:6} {row.label:28} {row.seconds:7.2f} {row.bytes / 1_048_576:7.1f} "
            f"{row.before_mb:7.0f} {peak}  {row.status}"
        )
    print("(before: the worker's peak after start-up and an empty export; peak: VmHWM after)")


def table_print(measures: list[Measure]) -> None:
    header = (
        f"{'format':6} {'rows':28} {'rows':>8} {'wall s':>7} {'CPU s':>6} {'rows/s':>8} "
        f"{'MB out':>7} {'before':>7} {'peak MB':>8} {'own MB':>7}  RSS at each tenth of the rows"
    )
    print(header)
    print("-" * len(header))
    for m in measures:
        samples = " ".join(f"{value:.0f}" for value in m.samples_mb)
        print(
            f"{m.format:6} {m.label:28} {m.rows:8,} {m.seconds:7.2f} {m.cpu:6.2f} "
            f"{m.rows / m.seconds:8,.0f} {m.bytes / 1_048_576:7.1f} {m.before_mb:7.0f} "
            f"{m.peak_mb:8.0f} {m.peak_mb - m.before_mb:7.0f}  {samples}"
        )
    print("(before: peak after start-up and an empty export; own: peak − before)")


def goals_print(measures: list[Measure]) -> None:
    print(f"\nGoal: flat memory, under {GOAL_MB} MB")
    for export in dict.fromkeys(m.format for m in measures):
        mine = sorted((m for m in measures if m.format == export), key=lambda m: m.rows)
        largest, smallest = mine[-1], mine[0]
        growth = (largest.peak_mb - largest.before_mb) - (smallest.peak_mb - smallest.before_mb)
        under = largest.peak_mb < GOAL_MB
        flat = growth < 20
        print(
            f"- {export}: peak {largest.peak_mb:.0f} MB at {largest.rows:,} rows: "
            f"{'under' if under else 'OVER'} {GOAL_MB} MB; {growth:+.0f} MB from "
            f"{smallest.rows:,} to {largest.rows:,} rows: {'flat' if flat else 'GROWS with rows'}"
        )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    busy = " — the machine is busy: times are inflated" if one > 0.5 else ""
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}{busy}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=PROJECT / "bench" / "national.sqlite3")
    parser.add_argument("--formats", default="csv,xlsx", help="comma-separated: csv, xlsx, json")
    parser.add_argument("--sizes", default="10000", help="smaller selections, in rows")
    parser.add_argument("--no-gunicorn", action="store_true", help="skip the gunicorn pass")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        query, empty, chunks = arguments.worker
        worker_main(query, empty, int(chunks))
        return
    db = arguments.db.resolve()
    if not db.exists():
        raise SystemExit(f"No database at {db}: give one with --db")
    print(f"Machine: {machine()}")
    print(f"Load average before the run: {load_average()}")
    print(f"Database: {db} ({db.stat().st_size / 1_048_576:,.0f} MB)")
    date, chosen = selections(db, [int(size) for size in arguments.sizes.split(",")])
    print(f"/coverage/?group=village&date={date}, one subprocess per export:\n")
    measures = []
    for export in arguments.formats.split(","):
        for label, params in reversed(chosen):
            measures.append(measure(db, export, label, params, chunks=10))
    table_print(measures)
    goals_print(measures)
    if not arguments.no_gunicorn:
        label, params = chosen[0]  # every village
        with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
            rows = [
                served(db, export, label, params, Path(folder))
                for export in arguments.formats.split(",")
            ]
        served_print(rows)
    print(f"\nLoad average at the end: {load_average()}")


# ---------------------------------------------------------------------------- worker side


def worker_main(query: str, empty: str, tenths: int) -> None:
    """One export through the middleware, read chunk by chunk; prints a JSON line."""
    import resource

    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
    from django.http import QueryDict
    from django.test import Client

    from units.reads.coverage_table import coverage_table

    client = Client(HTTP_HOST="127.0.0.1")
    _consume(client.get(f"/coverage/?{empty}"), lambda: None)  # imports, templates, first query
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = coverage_table(params=QueryDict(query)).totals.rows
    samples: list[float] = []
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(f"/coverage/?{query}")
    size = _consume(response, lambda: samples.append(_rss_mb()), rows=rows, tenths=tenths)
    result = {
        "rows": rows,
        "seconds": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "bytes": size,
        "before_mb": before,
        "samples_mb": samples,
    }
    print(json.dumps(result))


def _consume(response, sample, *, rows: int = 0, tenths: int = 10) -> int:
    """The answer's size; `sample()` at each tenth of the rows (CSV lines) or once (XLSX)."""
    assert response.status_code == 200, response.status_code
    if not response.streaming:
        sample()
        return len(response.content)
    size = lines = 0
    step, next_sample = max(rows // tenths, 1), max(rows // tenths, 1)
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
        if rows and lines >= next_sample:
            sample()
            next_sample += step
    response.close()
    return size


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
