"""Synthetic village data for Điện Biên that adds up exactly to the published province figures.

Village-level detail is not public (docs/domain.md §3): the demo invents villages inside the real
communes. Everything is drawn from one seeded generator, so the same plan comes out every time.
What is fixed by publication and must come out exactly:
- 1,813 villages until the 2020 merges; 95 with no member and 328 joined at 31/12/2015;
  23 and 208 at 31/12/2017; 8 and 135 at 31/12/2019; 0 and 5 at 31/12/2023 (the issue reads the
  sources' "chưa có chi bộ" as villages attending a joined cell);
- Mường Chà's six named villages with no member through 2016, none left there at 31/12/2017;
- 210 villages gaining their own cell during 2017; 191 cells dissolved over 2016–2019.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from units.models import REFORM_DATE, Status, valid_between

SEED = 20180101
FIRST_DATE = datetime.date(2015, 12, 31)
LAST_DATE = datetime.date(2026, 9, 30)
MERGE_DATE = datetime.date(2020, 1, 1)  # the 2019 resolutions took effect with the new year
VILLAGES_BEFORE_MERGES = 1813

# (villages with no member, villages attending a joined cell, own cells dissolved that year)
YEAR_TARGETS: dict[int, tuple[int, int, int]] = {
    2016: (60, 333, 50),
    2017: (23, 208, 48),
    2018: (15, 170, 50),
    2019: (8, 135, 43),
    2020: (5, 100, 20),
    2021: (3, 60, 15),
    2022: (1, 30, 10),
    2023: (0, 5, 5),
    2024: (0, 3, 3),
    2025: (0, 2, 2),
    2026: (0, 1, 1),
}
START_WHITE, START_JOINED = 95, 328

# The seed article's villages, in their real communes.
NAMED_WHITE_2016 = {
    "Xã Mường Tùng": ["Nậm Cang 1", "Nậm Cang 2", "Nậm Piền", "Huổi Điết"],
    "Xã Huổi Mí": ["Huổi Ít"],
    "Xã Na Sang": ["Huổi Hạ"],
}
NAMED_OTHERS = {"Xã Mường Tùng": ["Huổi Lèng"], "Xã Na Sang": ["Hin 2"]}
MUONG_CHA = "Huyện Mường Chà"
# Resolution target of the 2020–2025 term: no joined cells here by the end of 2025.
NO_JOINED_BY_2025 = {
    "Huyện Mường Chà",
    "Huyện Mường Nhé",
    "Huyện Nậm Pồ",
    "Huyện Mường Ảng",
    "Huyện Điện Biên Đông",
}
TDP = "Tổ dân phố"  # the village of a phường or thị trấn, numbered: "Tổ dân phố 3"
SYLLABLES = (
    "Nậm Huổi Pá Co Na Phiêng Sín Púng Háng Lèng Chua Tỏ Xá Pao Lay Mé Khá Hua Ten Lếch "
    "Ún Chăn Cọ Pe Luông Xuân Nà Pục Sáng Mạ Phì Lả Hồng Tênh Thẩm Cang Dề Xôm Pom Lọng"
).split()


@dataclass
class DemoCommune:
    code: str
    name: str
    district: str
    urban: bool  # phường and thị trấn have tổ dân phố, not bản
    successors: list[str]  # new commune codes after 1/7/2025 (the crosswalk)


@dataclass
class DemoVillage:
    key: int
    name: str  # with its kind: "Bản Nậm Cang 1", "Tổ dân phố 3"
    commune: DemoCommune
    new_commune_code: str
    code: str = ""  # mã thôn: tells apart same-named villages once communes merge in 2025
    valid_from: datetime.date = FIRST_DATE
    valid_to: datetime.date | None = None
    merged_from: list[int] = field(default_factory=list)

    def exists_on(self, date: datetime.date) -> bool:
        return valid_between(self.valid_from, self.valid_to, date)


@dataclass
class DemoFigure:
    village: DemoVillage
    date: datetime.date
    status: str
    members: int
    full_members: int
    probationary_members: int
    admissions: int
    joined_with: DemoVillage | None


@dataclass
class DemoPlan:
    villages: list[DemoVillage]
    figures: dict[datetime.date, list[DemoFigure]]


def quarter_ends(first: datetime.date = FIRST_DATE, last: datetime.date = LAST_DATE):
    year, quarter = first.year, (first.month - 1) // 3 + 1
    while True:
        date = _quarter_end(year, quarter)
        if date > last:
            return
        yield date
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def _quarter_end(year: int, quarter: int) -> datetime.date:
    month = quarter * 3
    day = 31 if month in (3, 12) else 30
    return datetime.date(year, month, day)


# --- villages -----------------------------------------------------------------------------


def villages_create(communes: list[DemoCommune], rng: random.Random) -> list[DemoVillage]:
    """1,813 villages spread over the communes, the article's named ones in their communes."""
    counts = _villages_per_commune(communes, rng)
    villages: list[DemoVillage] = []
    for commune, count in zip(communes, counts, strict=True):
        names = _village_names(commune, count, rng)
        for number, name in enumerate(names, start=1):
            successor = rng.choice(commune.successors) if commune.successors else ""
            code = f"{commune.code}-{number:02d}"
            villages.append(DemoVillage(len(villages) + 1, name, commune, successor, code))
    return villages


def _villages_per_commune(communes: list[DemoCommune], rng: random.Random) -> list[int]:
    weights = [rng.uniform(6, 22) for _ in communes]
    scale = VILLAGES_BEFORE_MERGES / sum(weights)
    counts = [max(4, round(weight * scale)) for weight in weights]
    # Round-off goes to the largest communes so the total is exact.
    order = sorted(range(len(counts)), key=lambda i: -counts[i])
    step = 1 if sum(counts) < VILLAGES_BEFORE_MERGES else -1
    position = 0
    while sum(counts) != VILLAGES_BEFORE_MERGES:
        counts[order[position % len(order)]] += step
        position += 1
    return counts


def _village_names(commune: DemoCommune, count: int, rng: random.Random) -> list[str]:
    if commune.urban:
        return [f"{TDP} {number}" for number in range(1, count + 1)]
    fixed = NAMED_WHITE_2016.get(commune.name, []) + NAMED_OTHERS.get(commune.name, [])
    names = list(fixed)
    while len(names) < count:
        base = f"{rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)}"
        if any(name.startswith(base) for name in names):
            continue
        # About a third come as numbered pairs ("Huổi Lèng 1", "Huổi Lèng 2"): merge candidates.
        if rng.random() < 0.35 and len(names) + 2 <= count:
            names += [f"{base} 1", f"{base} 2"]
        else:
            names.append(base)
    return [f"Bản {name}" for name in names[:count]]


def villages_merge(
    villages: list[DemoVillage], rng: random.Random, protected: set[int]
) -> list[DemoVillage]:
    """Numbered pairs "X 1" + "X 2" in a commune become one village from 2020 (NQ 148/NQ-HĐND
    style): "X", or the next number for a tổ dân phố (`_merged_name`)."""
    by_name = {(v.commune.code, v.name): v for v in villages}
    merged: list[DemoVillage] = []
    for village in list(villages):
        if not village.name.endswith(" 1") or village.key in protected:
            continue
        partner = by_name.get((village.commune.code, village.name[:-2] + " 2"))
        if partner is None or partner.key in protected or rng.random() < 0.3:
            continue
        successor = DemoVillage(
            key=len(villages) + len(merged) + 1,
            name=_merged_name(village, villages),
            commune=village.commune,
            new_commune_code=village.new_commune_code,
            code=f"{village.code}M",
            valid_from=MERGE_DATE,
            merged_from=[village.key, partner.key],
        )
        partner.new_commune_code = village.new_commune_code
        village.valid_to = partner.valid_to = MERGE_DATE - datetime.timedelta(days=1)
        merged.append(successor)
    return villages + merged


def _merged_name(first: DemoVillage, villages: list[DemoVillage]) -> str:
    """ "Bản Huổi Lèng 1" + "… 2" → "Bản Huổi Lèng"; a tổ dân phố takes the commune's next
    number ("Tổ dân phố 1" + "Tổ dân phố 2" → "Tổ dân phố 12" where there were 11), as wards
    renumber theirs, never the bare kind "Tổ dân phố"."""
    if not first.name.startswith(TDP + " "):
        return first.name[:-2]
    numbers = [
        int(v.name.removeprefix(TDP + " "))
        for v in villages
        if v.commune.code == first.commune.code and v.name.startswith(TDP + " ")
    ]
    return f"{TDP} {max(numbers) + 1}"


# --- statuses at year ends ----------------------------------------------------------------


def statuses_at_year_ends(
    villages: list[DemoVillage], rng: random.Random
) -> dict[int, dict[int, str]]:
    """Status of every existing village at each 31/12, hitting YEAR_TARGETS exactly."""
    named_white = _named_white_keys(villages)
    by_year: dict[int, dict[int, str]] = {2015: _initial_statuses(villages, named_white, rng)}
    for year, (white, joined, dissolved) in YEAR_TARGETS.items():
        date = datetime.date(year, 12, 31)
        previous = _carry_over_merges(by_year[year - 1], villages, date)
        by_year[year] = _year_transition(
            previous, villages, year, white, joined, dissolved, named_white, rng
        )
    return by_year


def _named_white_keys(villages: list[DemoVillage]) -> set[int]:
    wanted = {(c, f"Bản {n}") for c, names in NAMED_WHITE_2016.items() for n in names}
    return {v.key for v in villages if (v.commune.name, v.name) in wanted}


def _initial_statuses(
    villages: list[DemoVillage], named_white: set[int], rng: random.Random
) -> dict[int, str]:
    existing = [v for v in villages if v.exists_on(FIRST_DATE)]
    statuses = {v.key: Status.OWN_CELL.value for v in existing}
    others = [v for v in existing if v.key not in named_white and v.commune.district != MUONG_CHA]
    rng.shuffle(others)
    rural = [v for v in others if not v.commune.urban]
    whites = list(named_white) + [v.key for v in rural[: START_WHITE - len(named_white)]]
    joined = [v.key for v in rural[START_WHITE - len(named_white) :][:START_JOINED]]
    for key in whites:
        statuses[key] = Status.NO_MEMBERS.value
    for key in joined:
        statuses[key] = Status.JOINED.value
    return statuses


def _carry_over_merges(
    previous: dict[int, str], villages: list[DemoVillage], date: datetime.date
) -> dict[int, str]:
    """A merged village starts with the better status of the villages it was made from."""
    rank = {Status.OWN_CELL: 0, Status.JOINED: 1, Status.NO_MEMBERS: 2}
    carried = {}
    for village in villages:
        if not village.exists_on(date):
            continue
        if village.key in previous:
            carried[village.key] = previous[village.key]
        elif village.merged_from:
            parts = [previous[key] for key in village.merged_from]
            carried[village.key] = min(parts, key=lambda status: rank[status])
    return carried


def _year_transition(
    previous: dict[int, str],
    villages: list[DemoVillage],
    year: int,
    white_target: int,
    joined_target: int,
    dissolved: int,
    named_white: set[int],
    rng: random.Random,
) -> dict[int, str]:
    by_key = {v.key: v for v in villages}
    statuses = dict(previous)
    keys = sorted(statuses)
    protect_joined = year >= 2023  # no joined cells in the five districts by the end of 2025

    def district(key: int) -> str:
        return by_key[key].commune.district

    own = [k for k in keys if statuses[k] == Status.OWN_CELL]
    eligible = [k for k in own if not (protect_joined and district(k) in NO_JOINED_BY_2025)]
    # Cells dissolve where they are small; Mường Chà keeps its cells after 2017.
    eligible = [k for k in eligible if not (year >= 2017 and district(k) == MUONG_CHA)]
    dissolving = set(rng.sample(eligible, dissolved))

    whites = [k for k in keys if statuses[k] == Status.NO_MEMBERS]
    leaving_white = _whites_leaving(whites, white_target, year, named_white, district, rng)
    joined_before = [k for k in keys if statuses[k] == Status.JOINED]

    own_target = len(statuses) - white_target - joined_target
    gains_needed = own_target - (len(own) - dissolved)
    # Joined villages in the five districts gain first; then the others; some whites jump to own.
    candidates = sorted(
        joined_before,
        key=lambda k: (district(k) not in NO_JOINED_BY_2025 or not protect_joined, rng.random()),
    )
    candidates = candidates[: max(0, gains_needed - len(leaving_white) // 3)]
    candidates += leaving_white[: gains_needed - len(candidates)]
    if len(candidates) != gains_needed:
        raise ValueError(f"{year}: cannot reach {own_target} own cells")

    for key in dissolving:
        statuses[key] = Status.JOINED.value
    for key in leaving_white:
        statuses[key] = Status.JOINED.value
    for key in candidates:
        statuses[key] = Status.OWN_CELL.value
    return statuses


def _whites_leaving(whites, target, year, named_white, district, rng) -> list[int]:
    """Which white villages get a member this year: Mường Chà's all leave in 2017, not before."""
    leaving_count = len(whites) - target
    if year < 2017:
        pool = [k for k in whites if k not in named_white]
        rng.shuffle(pool)
        return pool[:leaving_count]
    first = [k for k in whites if district(k) == MUONG_CHA]
    rest = [k for k in whites if district(k) != MUONG_CHA]
    rng.shuffle(rest)
    return (first + rest)[:leaving_count]


# --- quarters, members ----------------------------------------------------------------------


def statuses_by_quarter(
    villages: list[DemoVillage], year_ends: dict[int, dict[int, str]], rng: random.Random
) -> dict[datetime.date, dict[int, str]]:
    """Each change between two year ends happens in one of that year's quarters."""
    by_date: dict[datetime.date, dict[int, str]] = {FIRST_DATE: year_ends[2015]}
    for year in YEAR_TARGETS:
        end = year_ends[year]
        start = _carry_over_merges(year_ends[year - 1], villages, datetime.date(year, 12, 31))
        change_quarter = {key: rng.randint(1, 4) for key in end}
        for quarter in range(1, 5):
            date = _quarter_end(year, quarter)
            if date > LAST_DATE:
                break
            by_date[date] = {
                key: (end[key] if change_quarter[key] <= quarter else start.get(key, end[key]))
                for key in end
            }
    _add_passing_rewhitening(by_date, rng)
    return by_date


def _add_passing_rewhitening(by_date: dict[datetime.date, dict[int, str]], rng) -> None:
    """A few joined villages lose their only member for a quarter (tái trắng), then recover."""
    for date in (datetime.date(2018, 6, 30), datetime.date(2021, 6, 30)):
        joined = sorted(k for k, s in by_date[date].items() if s == Status.JOINED)
        for key in rng.sample(joined, 3):
            by_date[date][key] = Status.NO_MEMBERS.value


def figures_create(
    villages: list[DemoVillage],
    statuses: dict[datetime.date, dict[int, str]],
    rng: random.Random,
) -> dict[datetime.date, list[DemoFigure]]:
    """Member counts that fit each status, admissions as the quarter's growth."""
    by_key = {v.key: v for v in villages}
    members: dict[int, int] = {}
    recent_admissions: dict[int, list[int]] = defaultdict(list)
    figures: dict[datetime.date, list[DemoFigure]] = {}
    for date in sorted(statuses):
        hosts = _cell_hosts(statuses[date], by_key)
        rows = []
        for key, status in sorted(statuses[date].items()):
            previous = members.get(key, _inherited_members(by_key[key], members))
            count = _members_for(status, previous, rng)
            admitted = max(0, count - previous) if key in members else 0
            recent = (recent_admissions[key] + [admitted])[-4:]
            recent_admissions[key] = recent
            floor = 3 if status == Status.OWN_CELL else 0
            probationary = max(0, min(sum(recent), count - floor))
            host = hosts.get(by_key[key].commune.code) if status == Status.JOINED else None
            rows.append(
                DemoFigure(
                    by_key[key], date, status, count, count - probationary,
                    probationary, admitted, host if host and host.key != key else None,
                )
            )  # fmt: skip
            members[key] = count
        figures[date] = rows
    return figures


def _inherited_members(village: DemoVillage, members: dict[int, int]) -> int:
    return sum(members.get(key, 0) for key in village.merged_from)


def _members_for(status: str, previous: int, rng: random.Random) -> int:
    if status == Status.NO_MEMBERS:
        return 0
    if status == Status.JOINED:
        return previous if previous in (1, 2) else rng.choice((1, 1, 2))
    if previous < 3:
        return rng.randint(3, 9)
    change = rng.choice((0, 0, 0, 1, 1, 2)) - rng.choice((0, 0, 0, 0, 1))
    return max(3, previous + change)


def _cell_hosts(statuses: dict[int, str], by_key: dict[int, DemoVillage]) -> dict[str, DemoVillage]:
    """The village whose cell the joined villages of a commune attend: its first own cell."""
    hosts: dict[str, DemoVillage] = {}
    for key, status in sorted(statuses.items()):
        commune = by_key[key].commune.code
        if status == Status.OWN_CELL and commune not in hosts:
            hosts[commune] = by_key[key]
    return hosts


def demo_plan(communes: list[DemoCommune]) -> DemoPlan:
    """The whole synthetic history, deterministic for a given list of communes."""
    rng = random.Random(SEED)
    villages = villages_create(communes, rng)
    protected = _named_white_keys(villages) | {
        v.key for v in villages if v.name in {"Bản Huổi Lèng", "Bản Hin 2"}
    }
    villages = villages_merge(villages, rng, protected)
    year_ends = statuses_at_year_ends(villages, rng)
    statuses = statuses_by_quarter(villages, year_ends, rng)
    return DemoPlan(villages, figures_create(villages, statuses, rng))


def commune_on(village: DemoVillage, date: datetime.date) -> str:
    """The code of the commune a village belongs to at a date: it moved on 1/7/2025."""
    return village.new_commune_code if date >= REFORM_DATE else village.commune.code
