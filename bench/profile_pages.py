"""Where a fresh render's time goes, per URL kind (issue 10): a script that prints figures.

    .venv/bin/python bench/profile_pages.py                       # bench/national.sqlite3
    .venv/bin/python bench/profile_pages.py --db bench/demo.sqlite3 --settings local

Picks the same URLs as bench/serve_load.py (province, district, commune, village, the coverage
table filtered to a province and a status, its CSV and JSON exports, the JSON API's figures of a
district), and the change feeds of that province and of the site, and asks each of them, in
this process, through the whole middleware stack with Django's test client, with a query string
no page has had before (`bench-nocache=…`, as bench/uncached.lua does), so every request is a
full render: what a first visitor pays.

- `first`: the first request of each kind in the process (templates compiled, nothing warm);
- then `--repeat` fresh requests, timed without a profiler: the medians of the wall time, the SQL
  (count and time, from a connection execute wrapper), the template rendering (Django's
  `Template.render` of the backend, outermost call only, SQL run from inside it included and also
  shown apart), and the filter and form work (FilterSet construction and validation and the
  place lists: outermost calls only);
- then one more fresh request under cProfile: its top functions by own time, and its slowest SQL.

Settings: `bench` (default) is production's (bench/settings_bench.py: DEBUG off, the page
cache); `local` is `make run`'s (partystats.settings.local: DEBUG on, no page cache).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "bench"))
from machine import machine  # noqa: E402  (bench/machine.py, beside this script)
from serve_load import Question, load_average, questions_pick  # noqa: E402

SETTINGS = {"bench": "bench.settings_bench", "local": "partystats.settings.local"}
TOP_FUNCTIONS = 12
SLOWEST_QUERIES = 3


# ---------------------------------------------------------------------------- clocks


class Clock:
    """Time spent in wrapped functions, by category, counting only the outermost call."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.depth: dict[str, int] = defaultdict(int)
        self.queries: list[list] = []  # [seconds, run from a template, SQL], fetches included

    def reset(self) -> None:
        self.seconds.clear()
        self.queries.clear()

    def wrap(self, owner, name: str, category: str) -> None:
        original = owner.__dict__[name]
        getter = isinstance(original, property)
        function = original.fget if getter else original

        @functools.wraps(function)
        def timed(*args, **kwargs):
            if self.depth[category]:
                return function(*args, **kwargs)
            self.depth[category] += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[category] += time.perf_counter() - started
                self.depth[category] -= 1

        setattr(owner, name, property(timed) if getter else timed)

    def sql(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            inside = bool(self.depth["template"])
            context["cursor"].bench_query = len(self.queries)
            self.queries.append([time.perf_counter() - started, inside, sql])

    def fetched(self, cursor, seconds: float) -> None:
        """SQLite runs a query as its rows are fetched: the fetch is the query's time too."""
        index = getattr(cursor, "bench_query", None)
        if index is not None and index < len(self.queries):
            self.queries[index][0] += seconds


def fetch_timed(clock: Clock, name: str):
    def fetch(self, *args):
        started = time.perf_counter()
        try:
            return getattr(self.cursor, name)(*args)
        finally:
            clock.fetched(self, time.perf_counter() - started)

    return fetch


def clocks_install(clock: Clock) -> None:
    from django.db.backends.utils import CursorWrapper
    from django.template.backends.django import Template
    from django_filters.filterset import BaseFilterSet

    from units.reads.filters import CoverageFilter

    clock.wrap(Template, "render", "template")
    # Django's cursor wrapper hands fetches to the database's cursor through __getattr__; a
    # method of its own on the class comes first, so the fetches are timed too.
    for name in ("fetchone", "fetchmany", "fetchall"):
        setattr(CursorWrapper, name, fetch_timed(clock, name))
    for name in ("__init__", "is_valid", "errors", "form"):
        clock.wrap(BaseFilterSet, name, "filters")
    clock.wrap(CoverageFilter, "place_lists_narrow", "filters")


# ---------------------------------------------------------------------------- requests


@dataclass
class Sample:
    seconds: float
    cpu: float  # this process's CPU time: steadier than the wall time on a shared machine
    size: int
    status: int
    queries: int = 0
    sql: float = 0.0
    template: float = 0.0
    template_sql: float = 0.0
    filters: float = 0.0


@dataclass
class Result:
    kind: str
    path: str
    first: Sample
    samples: list[Sample] = field(default_factory=list)
    profile: str = ""
    slowest: list[tuple[float, str]] = field(default_factory=list)

    def median(self, name: str) -> float:
        return statistics.median(getattr(sample, name) for sample in self.samples)


class Asker:
    """Fresh URLs through the test client, timed; the answer read whole (streams included)."""

    def __init__(self, clock: Clock) -> None:
        from django.db import connection
        from django.test import Client

        self.client = Client(HTTP_HOST="127.0.0.1")
        self.connection = connection
        self.clock = clock
        self.run = secrets.token_hex(3)
        self.count = 0

    def fresh(self, path: str) -> str:
        self.count += 1
        separator = "&" if "?" in path else "?"
        return f"{path}{separator}bench-nocache={self.run}-{self.count}"

    def ask(self, path: str) -> Sample:
        self.clock.reset()
        url = self.fresh(path)
        with self.connection.execute_wrapper(self.clock.sql):
            started, cpu = time.perf_counter(), time.process_time()
            response = self.client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        queries = self.clock.queries
        return Sample(
            seconds,
            cpu,
            len(body),
            response.status_code,
            queries=len(queries),
            sql=sum(q[0] for q in queries),
            template=self.clock.seconds["template"],
            template_sql=sum(q[0] for q in queries if q[1]),
            filters=self.clock.seconds["filters"],
        )

    def profiled(self, path: str) -> tuple[str, list[tuple[float, str]]]:
        profile = cProfile.Profile()
        profile.enable()
        self.ask(path)
        profile.disable()
        slowest = sorted(((q[0], q[2]) for q in self.clock.queries), reverse=True)
        return profile_text(profile), slowest[:SLOWEST_QUERIES]


def profile_text(profile: cProfile.Profile) -> str:
    """The top functions by own time, then the project's own by cumulative time."""
    own = io.StringIO()
    pstats.Stats(profile, stream=own).sort_stats("tottime").print_stats(TOP_FUNCTIONS)
    project = io.StringIO()
    pstats.Stats(profile, stream=project).sort_stats("cumulative").print_stats(
        rf"{PROJECT}/(units|partystats|imports)/", TOP_FUNCTIONS
    )
    return "\n".join(
        [_table_only(own.getvalue()), "  the project's functions by cumulative time:"]
        + _table_only(project.getvalue()).splitlines()[1:]
    )


def _table_only(text: str) -> str:
    """pstats' listing from its header line on, with the total call count kept and the paths
    shortened (the project's relative to it, libraries' from their package)."""
    lines = text.strip().splitlines()
    calls = next((line.strip() for line in lines if "function calls" in line), "")
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    site = re.compile(r"\S*/site-packages/|\S*/lib/python3\.\d+/")
    table = [site.sub("", line.replace(f"{PROJECT}/", "")) for line in lines[start:]]
    return "\n".join([f"    {calls}", *table])


def profile_kind(asker: Asker, kind: str, path: str, repeat: int) -> Result:
    result = Result(kind, path, first=asker.ask(path))
    if result.first.status != 200:
        raise SystemExit(f"{kind}: {path} answered {result.first.status}")
    result.samples = [asker.ask(path) for _ in range(repeat)]
    result.profile, result.slowest = asker.profiled(path)
    return result


# ---------------------------------------------------------------------------- printing


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f}"


def summary_print(results: list[Result]) -> None:
    header = (
        f"{'URL kind':13} {'KiB':>5} {'first':>7} {'median':>7} {'CPU':>7} {'SQL n':>5}"
        f" {'SQL ms':>7}"
        f" {'templ.':>7} {'(SQL)':>7} {'filters':>7} {'other':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        median, sql, filters = r.median("seconds"), r.median("sql"), r.median("filters")
        template, template_sql = r.median("template"), r.median("template_sql")
        other = median - sql - (template - template_sql) - filters
        print(
            f"{r.kind:13} {r.samples[0].size / 1024:5.0f} {ms(r.first.seconds)} {ms(median)}"
            f" {ms(r.median('cpu'))} {r.median('queries'):5.0f} {ms(sql)} {ms(template)}"
            f" {ms(template_sql)} {ms(filters)} {ms(other)}"
        )
    print(
        "(ms; first: the first request of its kind; the rest: medians of the fresh requests;"
        "\n CPU: this process's CPU time (the steadier figure on a shared machine);"
        "\n templ.: template rendering, SQL run from templates included and shown as (SQL);"
        "\n filters: FilterSet and form construction and validation, place lists;"
        "\n other: median − SQL − template without its SQL − filters: views, selectors,"
        " middleware)"
    )


def details_print(results: list[Result]) -> None:
    for r in results:
        print(f"\n== {r.kind}: {r.path}")
        print("  slowest SQL:")
        for seconds, sql in r.slowest:
            print(f"    {seconds * 1000:7.2f} ms  {' '.join(sql.split())[:160]}")
        print("  top functions by own time, under cProfile (times inflated by the profiler):")
        print(r.profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=PROJECT / "bench" / "national.sqlite3")
    parser.add_argument("--settings", choices=list(SETTINGS), default="bench")
    parser.add_argument("--repeat", type=int, default=5, help="fresh requests timed per kind")
    parser.add_argument("--status", default="joined", help="the coverage table's status filter")
    parser.add_argument("--kinds", help="only these URL kinds, comma-separated (e.g. village,CSV)")
    parser.add_argument("--no-details", action="store_true", help="the summary table only")
    arguments = parser.parse_args()
    db = arguments.db.resolve()
    if not db.exists():
        raise SystemExit(f"No database at {db}: give one with --db")
    questions, picked = questions_pick(db, arguments.status)
    questions += feed_questions(questions[0])
    if arguments.kinds:
        questions = [q for q in questions if q.kind in arguments.kinds.split(",")]
    os.environ.update(
        DJANGO_SETTINGS_MODULE=SETTINGS[arguments.settings],
        DATABASE_URL=f"sqlite:///{db}",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
    )
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as static_root:
        static_collect(Path(static_root))
        run(arguments, db, questions, picked)


def feed_questions(province: Question) -> list[Question]:
    """The province's change feed (every date against the one before) and the site's."""
    page = province.path.split("?")[0]
    return [Question("province feed", f"{page}feed.atom"), Question("site feed", "/feed.atom")]


def static_collect(static_root: Path) -> None:
    """The static files (hashed names, as production serves them) into a folder of our own: the
    project's staticfiles/ is left alone."""
    from django.conf import settings
    from django.core.management import call_command

    settings.STATIC_ROOT = static_root  # before any storage or WhiteNoise reads it
    call_command("collectstatic", interactive=False, verbosity=0)


def run(arguments: argparse.Namespace, db: Path, questions: list, picked: str) -> None:
    clock = Clock()
    clocks_install(clock)
    asker = Asker(clock)
    print(f"Machine: {machine()}")
    print(f"Load average before the run: {load_average()}")
    print(f"Database: {db} ({db.stat().st_size / 1_048_576:,.0f} MB)")
    print(f"Settings: {SETTINGS[arguments.settings]}; {arguments.repeat} fresh requests a kind")
    print(f"Picked: {picked}\n")
    results = [profile_kind(asker, q.kind, q.path, arguments.repeat) for q in questions]
    summary_print(results)
    if not arguments.no_details:
        details_print(results)
    print(f"\nLoad average at the end: {load_average()}")


if __name__ == "__main__":
    main()
