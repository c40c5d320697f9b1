"""Readers during an import see the old figures or the new, never a mix (issue 5, "Faults
tested").

The site runs in gunicorn (tests/servers.py) on a database of this module's own, holding
Điện Biên's units and a first report for 31/12/2017; once with the page cache off (the test
settings) and once on (as in production). A second report for the same date, which changes every
village of every commune, is imported with --replace --publish by `manage.py import_report` in
another process, while reader threads fetch, over and over, the JSON API for the province (with its
districts), two districts (with their communes) and two communes (with their villages), and the
coverage table's CSV export by district.

The import holds its transaction open twice through the test hook of `imports.services`: after
the first figure rows are written, and with everything written (figures, coverage, data
version) and only the commit left. A read made wholly inside one of those pauses must show the
old figures; a read made after the import process has ended must show the new. Then the two
reports are imported again in turn (FLIPS), each commit one more moment for a read to straddle.
Every read must equal either the whole old answer or the whole new one (the JSON as parsed, the
export byte for byte): a page whose queries run on both sides of a commit shows, say, the
province's old figures over its districts' new ones, and fails here. Before and after, the
answers are checked against totals computed from the two workbooks, so "old" and "new" are
known to be right, not just different.
"""

from __future__ import annotations

import csv
import json
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import Workbook

from imports.generators.demo_workbooks import COLUMNS, HEADING, NUMBERS, TITLE, to_roman
from tests import import_pause
from tests.servers import (
    PROJECT,
    ScratchDatabases,
    Server,
    manage,
    manage_ok,
    server_start,
)

pytestmark = pytest.mark.slow

UNITS_CSV = PROJECT / "fixtures" / "units" / "units_gso2004.csv"
PROVINCE = "11"  # Điện Biên
DATE = "2017-12-31"
VILLAGES_PER_COMMUNE = 3
READERS = 4
PAUSE_AFTER_ROWS = 100
PAUSE_SECONDS = 3.0
# A pause is seen up to one poll late, so a read is counted as inside it only if it ended this
# long before the pause could have ended.
PAUSE_MARGIN = 0.3
MIN_READS_PER_PAUSE = 10
MIN_READS_AFTER = 10
READ_ON_AFTER = 1.5  # seconds the readers go on once the import has ended
# Further imports, old and new in turn: each commit is one more chance for a reader to be
# between two queries of one request when it lands.
FLIPS = 2

OWN, JOINED, NONE = "Có chi bộ độc lập", "Sinh hoạt ghép", "Chưa có đảng viên"


# ---------------------------------------------------------------------------- the reports


@dataclass(frozen=True)
class VillageFigures:
    members: int
    full: int
    probationary: int
    status: str
    host: str | None
    admissions: int


def old_figures(commune_index: int, place: int) -> VillageFigures:
    return VillageFigures(5, 4, 1, OWN, None, 1)


def new_figures(commune_index: int, place: int) -> VillageFigures:
    """Every village changes: the first gains members (more in some communes than others), the
    second now attends the first's cell, the third has lost its members."""
    if place == 1:
        members = 6 + commune_index % 4
        return VillageFigures(members, members - 1, 1, OWN, None, 2)
    if place == 2:
        return VillageFigures(2, 2, 0, JOINED, "Bản Thử 1", 0)
    return VillageFigures(0, 0, 0, NONE, None, 0)


def dien_bien_communes() -> dict[str, list[str]]:
    """District name → its commune names (GSO 2004 codes, as on 31/12/2017)."""
    districts: dict[str, str] = {}
    communes: dict[str, list[str]] = {}
    with UNITS_CSV.open(encoding="utf-8") as handle:
        for unit in csv.DictReader(handle):
            if unit["province_code"] != PROVINCE:
                continue
            if unit["level"] == "district":
                districts[unit["code"]] = unit["name"]
            elif unit["level"] == "commune":
                communes.setdefault(unit["parent_code"], []).append(unit["name"])
    return {districts[code]: communes[code] for code in sorted(districts)}


def report_write(path: Path, figures_for: Callable[[int, int], VillageFigures]) -> dict:
    """A village report for 31/12/2017 in canonical form, every commune of the province with
    its villages and subtotals. Returns the province's totals, as the API should give them."""
    workbook = Workbook()
    sheet = workbook.active
    for line in (TITLE, HEADING, "Số liệu tính đến ngày 31/12/2017", None, COLUMNS, NUMBERS):
        sheet.append(list(line) if isinstance(line, tuple) else [line])
    totals = {"villages": 0, "own_cell": 0, "joined": 0, "no_members": 0, "members": 0}
    commune_index = 0
    for number, (district, communes) in enumerate(dien_bien_communes().items(), start=1):
        district_rows, district_sums = [], [0, 0, 0, 0]
        for index, commune in enumerate(communes, start=1):
            commune_index += 1
            villages = [figures_for(commune_index, p) for p in range(1, VILLAGES_PER_COMMUNE + 1)]
            sums = _sums(villages)
            district_sums = [a + b for a, b in zip(district_sums, sums, strict=True)]
            district_rows.append(_section(str(index), commune, sums))
            for place, village in enumerate(villages, start=1):
                district_rows.append(_village_row(place, village))
                _tally(totals, village)
        sheet.append(_section(to_roman(number), district, district_sums))
        for row in district_rows:
            sheet.append(row)
    workbook.save(path)
    return totals


def _sums(villages: list[VillageFigures]) -> list[int]:
    return [
        sum(v.members for v in villages),
        sum(v.full for v in villages),
        sum(v.probationary for v in villages),
        sum(v.admissions for v in villages),
    ]


def _section(number: str, name: str, sums: list[int]) -> list:
    members, full, probationary, admissions = sums
    return [number, name, None, members, full, probationary, None, None, admissions]


def _village_row(place: int, v: VillageFigures) -> list:
    return [place, f"Bản Thử {place}", None, v.members, v.full, v.probationary, v.status, v.host,
            v.admissions]  # fmt: skip


def _tally(totals: dict, village: VillageFigures) -> None:
    key = {OWN: "own_cell", JOINED: "joined", NONE: "no_members"}[village.status]
    totals[key] += 1
    totals["villages"] += 1
    totals["members"] += village.members


# ---------------------------------------------------------------------------- reading


@dataclass
class Read:
    reader: int
    url: str
    started: float
    ended: float
    status: int | None
    body: bytes
    error: str = ""


def figures_url(unit_id: int) -> str:
    return f"/api/v1/figures?unit={unit_id}&date={DATE}"


def watched_urls(server: Server) -> list[str]:
    """Walk the tree as an API client would: the province, two districts, two communes; and
    the coverage export grouped by district."""
    provinces = json.loads(server.fetch("/api/v1/units"))["units"]
    province = next(unit for unit in provinces if unit["code"] == PROVINCE)
    districts = json.loads(server.fetch(figures_url(province["id"])))["children"]
    urls = [figures_url(province["id"])]
    for district in districts[:2]:
        urls.append(figures_url(district["id"]))
    communes = json.loads(server.fetch(urls[1]))["children"]
    for commune in communes[:2]:
        urls.append(figures_url(commune["id"]))
    urls.append(f"/coverage/?date={DATE}&group=district&format=csv")
    return urls


class Readers:
    """Threads that read the watched URLs in turn, each on its own keep-alive connection."""

    def __init__(self, server: Server, urls: list[str]) -> None:
        self.server, self.urls = server, urls
        self.reads: list[Read] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(READERS)]

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _run(self, reader: int) -> None:
        connection = self.server.connection()
        turn = reader  # the readers start on different URLs
        while not self.stopping.is_set():
            url = self.urls[turn % len(self.urls)]
            turn += 1
            started = time.monotonic()
            try:
                connection.request("GET", url)
                response = connection.getresponse()
                body = response.read()
                read = Read(reader, url, started, time.monotonic(), response.status, body)
            except Exception as error:  # recorded, and the test fails on it
                read = Read(reader, url, started, time.monotonic(), None, b"", repr(error))
                connection.close()
                connection = self.server.connection()
            self.reads.append(read)
        connection.close()


def answers(server: Server, urls: list[str]) -> dict[str, bytes]:
    return {url: server.fetch(url) for url in urls}


def same(url: str, body: bytes, expected: bytes) -> bool:
    if url.startswith("/api/"):
        return json.loads(body) == json.loads(expected)
    return body == expected


def state_of(read: Read, old: dict[str, bytes], new: dict[str, bytes]) -> str:
    if read.error or read.status != 200:
        return "error"
    if same(read.url, read.body, old[read.url]):
        return "old"
    if same(read.url, read.body, new[read.url]):
        return "new"
    return "mix"


def mix_described(read: Read, old: dict[str, bytes], new: dict[str, bytes]) -> str:
    """Which parts of a mixed JSON answer are old and which new."""
    if not read.url.startswith("/api/"):
        return "the export"
    answer, before, after = (json.loads(body) for body in (read.body, old[read.url], new[read.url]))

    def age(part, old_part, new_part) -> str:
        return "old" if part == old_part else "new" if part == new_part else "neither"

    parts = [f"the unit's figures {age(answer['figures'], before['figures'], after['figures'])}"]
    old_children = {child["id"]: child for child in before["children"]}
    new_children = {child["id"]: child for child in after["children"]}
    ages = [
        age(child, old_children.get(child["id"]), new_children.get(child["id"]))
        for child in answer["children"]
    ]
    parts.append(", ".join(f"{ages.count(a)} children {a}" for a in sorted(set(ages))))
    return "; ".join(parts)


def answers_check(answers_: dict[str, bytes], province_totals: dict) -> None:
    """The province's figures are the workbook's totals, and every unit's figures are the sum
    of its children's: the answer is a whole state, not just some state."""
    for url, body in answers_.items():
        if not url.startswith("/api/"):
            continue
        answer = json.loads(body)
        computed = answer["figures"]["computed"]
        children = answer["children"]
        if children[0]["level"] == "village":
            members = sum(child["figures"]["members"] for child in children)
            assert computed["members"] == members, url
            assert computed["villages"] == len(children), url
        else:
            for key in ("villages", "own_cell", "joined", "no_members", "members"):
                assert computed[key] == sum(c["figures"][key] for c in children), (url, key)
        if answer["unit"]["level"] == "province":
            assert {key: computed[key] for key in province_totals} == province_totals


# ---------------------------------------------------------------------------- fixtures


@dataclass
class Site:
    server: Server
    database_url: str
    old_report: Path
    new_report: Path
    old_totals: dict
    new_totals: dict


# The page cache (partystats.middleware.PageCacheMiddleware) is off in the test settings and on
# in production: the readers must see whole states either way.
PAGE_CACHE = {"no-page-cache": "0", "page-cache": "3600"}


@pytest.fixture(scope="module", params=list(PAGE_CACHE))
def site(request, tmp_path_factory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("readers")
    databases = ScratchDatabases(folder, "readers")
    try:
        database_url = databases.create("readers")
        manage_ok(database_url, "migrate", "--verbosity", "0")
        manage_ok(database_url, "load_units", "--province", PROVINCE)
        old_totals = report_write(folder / "old.xlsx", old_figures)
        new_totals = report_write(folder / "new.xlsx", new_figures)
        manage_ok(database_url, "import_report", "--publish", str(folder / "old.xlsx"))
        page_cache = {"PAGE_CACHE_SECONDS": PAGE_CACHE[request.param]}
        server = server_start(database_url, folder / "gunicorn.log", extra_env=page_cache)
        try:
            reports = folder / "old.xlsx", folder / "new.xlsx"
            yield Site(server, database_url, *reports, old_totals, new_totals)
        finally:
            server.stop()
    finally:
        databases.close()


# ---------------------------------------------------------------------------- the test


@dataclass
class Pause:
    point: str
    seen: float  # when the test saw the marker; the pause began at most a poll earlier

    def holds(self, read: Read) -> bool:
        """The read was made wholly while the import slept with its transaction open."""
        return self.seen <= read.started and read.ended <= self.seen + PAUSE_SECONDS - PAUSE_MARGIN


def import_watched(site: Site, marker: Path) -> tuple[list[Pause], float]:
    """Run the import with its two pauses; when each pause was seen, and when it ended."""
    hook = {
        import_pause.AFTER_ROWS: str(PAUSE_AFTER_ROWS),
        import_pause.BEFORE_COMMIT: "1",
        import_pause.MARKER: str(marker),
        import_pause.SECONDS: str(PAUSE_SECONDS),
    }
    process = manage(
        site.database_url,
        "import_report",
        "--replace",
        "--publish",
        str(site.new_report),
        settings=import_pause.SETTINGS,
        extra_env=hook,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    pauses: list[Pause] = []
    seen_text = ""
    while process.poll() is None:
        text = marker.read_text() if marker.exists() else ""
        if text and text != seen_text:
            pauses.append(Pause(text.split(":")[0], time.monotonic()))
            seen_text = text
        time.sleep(0.01)
    ended = time.monotonic()
    out, err = process.communicate()
    assert process.returncode == 0, out.decode() + err.decode()
    return pauses, ended


@dataclass
class Timeline:
    pauses: list[Pause]
    imported: float  # the watched import's process ended
    flips_started: float
    flips_ended: float

    def phases(self, read: Read) -> list[str]:
        """The phases of the run the read was made in wholly, if any."""
        phases = [pause.point for pause in self.pauses if pause.holds(read)]
        if self.imported < read.started and read.ended < self.flips_started:
            phases.append("imported")
        if self.flips_started < read.started and read.ended < self.flips_ended:
            phases.append("flips")
        if self.flips_ended < read.started:
            phases.append("after")
        return phases


def imports_run(site: Site, marker: Path) -> Timeline:
    """The watched import, then FLIPS more, old and new in turn, ending on the new."""
    pauses, imported = import_watched(site, marker)
    time.sleep(READ_ON_AFTER)
    flips_started = time.monotonic()
    for report in (site.old_report, site.new_report) * (FLIPS // 2):
        manage_ok(site.database_url, "import_report", "--replace", "--publish", str(report))
    return Timeline(pauses, imported, flips_started, time.monotonic())


def wrong_reads(reads: list[Read], states: list[str], old: dict, new: dict) -> str:
    wrong = [(read, state) for read, state in zip(reads, states, strict=True)
             if state in ("error", "mix")]  # fmt: skip
    return "\n".join(
        f"{state}: {read.url} {read.status} {read.error}"
        + (f" ({mix_described(read, old, new)})" if state == "mix" else "")
        for read, state in wrong[:5]
    )


def test_readers_see_the_old_or_the_new_figures_never_a_mix(site, tmp_path):
    urls = watched_urls(site.server)
    old = answers(site.server, urls)
    answers_check(old, site.old_totals)

    with Readers(site.server, urls) as readers:
        time.sleep(0.5)  # the readers are under way before the import starts
        timeline = imports_run(site, tmp_path / "paused")
        time.sleep(READ_ON_AFTER)

    new = answers(site.server, urls)
    answers_check(new, site.new_totals)
    assert all(old[url] != new[url] for url in urls), "a watched answer did not change"
    reads = readers.reads
    states = [state_of(read, old, new) for read in reads]
    points = [pause.point for pause in timeline.pauses]
    seen: dict[str, list[str]] = {phase: [] for phase in [*points, "imported", "flips", "after"]}
    for read, state in zip(reads, states, strict=True):
        for phase in timeline.phases(read):
            seen[phase].append(state)
    print(
        f"\n{len(reads)} reads by {READERS} readers: {dict(Counter(states))}; made wholly "
        + ", ".join(f"{phase}: {len(states_)}" for phase, states_ in seen.items())
    )

    problems = wrong_reads(reads, states, old, new)
    assert not problems, problems
    assert points == [f"after {PAUSE_AFTER_ROWS} figure rows", "before commit"]
    for point in points:
        assert len(seen[point]) >= MIN_READS_PER_PAUSE, f"only {len(seen[point])} reads {point}"
        assert set(seen[point]) == {"old"}, f"{point}: the uncommitted import showed through"
    for phase in ("imported", "after"):
        assert len(seen[phase]) >= MIN_READS_AFTER, f"only {len(seen[phase])} reads {phase}"
        assert set(seen[phase]) == {"new"}, f"{phase}: readers do not see the committed import"
    assert set(seen["flips"]) == {"old", "new"}
