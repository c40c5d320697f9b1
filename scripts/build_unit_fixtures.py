#!/usr/bin/env python3
"""Regenerate fixtures/units/ (Vietnam's administrative units and the 2025 crosswalk) from PyPI.

The data live in three pinned PyPI packages. Two of them are versions of the same distribution
(`vietnam-provinces` 0.6.0 for the three-level units before 1/7/2025 and 2025.10.1 for the
two-level units after), so they cannot share an environment: each package is installed into its
own throw-away virtualenv and a small extraction runs there, writing JSON that this script (stdlib
only) turns into plain CSV. The site never imports these packages: it reads the committed CSV.

The crosswalk (`vietnam-address-converter`) does not use GSO codes: it numbers units with its own
ids. Its rows are therefore resolved to GSO codes by name, province by province and district by
district, in tiers from exact to loose; every row records how it was resolved, and rows that
could not be resolved are kept with empty codes so the gap is visible rather than guessed.

Run from the project root:  python scripts/build_unit_fixtures.py
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import re
import subprocess
import sys
import tempfile
import unicodedata
import venv
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "fixtures" / "units"

OLD_PACKAGE = ("vietnam-provinces", "0.6.0")
NEW_PACKAGE = ("vietnam-provinces", "2025.10.1")
CROSSWALK_PACKAGE = ("vietnam-address-converter", "1.0.5")

UNIT_FIELDS = ["level", "code", "name", "parent_code", "province_code"]
CROSSWALK_FIELDS = [
    "old_province_code",
    "old_district_code",
    "old_commune_code",
    "new_province_code",
    "new_commune_code",
    "partial",
    "old_district_name",
    "old_commune_name",
    "new_commune_name",
    "old_match",
    "new_match",
]

# --- Extraction: runs inside each throw-away virtualenv -------------------------------------

PROVINCES_SNIPPET = """
import importlib.metadata as md, json, sys
import vietnam_provinces as vp
meta = md.metadata("vietnam-provinces")
out = {
    "version": vp.__version__,
    "data_version": getattr(vp, "__data_version__", ""),
    "license": meta.get("License-Expression") or meta.get("License") or "",
    "classifiers": [c for c in (meta.get_all("Classifier") or []) if c.startswith("License")],
    "provinces": json.loads(vp.NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8")),
}
with open(sys.argv[1], "w", encoding="utf-8") as fh:
    json.dump(out, fh, ensure_ascii=False)
"""

CONVERTER_SNIPPET = """
import importlib.metadata as md, json, sys
import vietnam_address_converter as vac
from vietnam_address_converter.data import DEFAULT_DATA
dist = md.distribution("vietnam-address-converter")
licence = next((f for f in dist.files or [] if f.name.upper().startswith("LICENSE")), None)
classifiers = [c for c in (dist.metadata.get_all("Classifier") or []) if c.startswith("License")]
mapping = DEFAULT_DATA["mapping"]
out = {
    "version": vac.__version__,
    "license": "; ".join(classifiers),
    "license_text": licence.read_text() if licence else "",
    "meta": mapping["meta"],
    "rows": [{"old": row["old"], "new": row["new"]} for row in mapping["rows"]],
}
with open(sys.argv[1], "w", encoding="utf-8") as fh:
    json.dump(out, fh, ensure_ascii=False)
"""


def extract(package: tuple[str, str], snippet: str, workdir: Path) -> dict:
    """Install one pinned package in its own virtualenv and run `snippet` there.

    A separate virtualenv per package because both vietnam-provinces versions are needed at once.
    """
    name, version = package
    env_dir = workdir / f"venv-{name}-{version}"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input", "--quiet"]
    subprocess.run([*pip, "install", f"{name}=={version}"], check=True)
    out = workdir / f"{name}-{version}.json"
    subprocess.run([str(python), "-c", snippet, str(out)], check=True)
    return json.loads(out.read_text(encoding="utf-8"))


# --- Names: keys for matching the converter's names with the packages' names -----------------

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
_APOSTROPHES = re.compile(r"[’‘`´ʼ']\s*")
_DASHES = re.compile(r"\s*[-–—]\s*")
_SPACES = re.compile(r"\s+")
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7"}
_KINDS = (
    "thanh pho",
    "thi tran",
    "thi xa",
    "dac khu",
    "phuong",
    "huyen",
    "quan",
    "tinh",
    "xa",
)


def nfc(text: str) -> str:
    """The name as committed: NFC, single spaces (the packages' spelling is otherwise kept)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def key_exact(name: str) -> str:
    """Case and punctuation only: "Xã Ea M' Doal" = "Xã Ea M'Doal", "A – B" = "A-B"."""
    text = _APOSTROPHES.sub("", nfc(name).casefold())
    return _SPACES.sub(" ", _DASHES.sub("-", text)).strip()


def key_toneless(name: str) -> str:
    """Without tone marks, so old and new tone placement agree ("Hòa" = "Hoà").

    Vowel shapes (ă â ê ô ơ ư) stay, so "Văn Lang" and "Văn Lăng" remain different.
    """
    decomposed = unicodedata.normalize("NFD", key_exact(name))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))


def key_folded(name: str) -> str:
    """No diacritics at all, đ → d."""
    decomposed = unicodedata.normalize("NFD", key_exact(name).replace("đ", "d"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def strip_kind(folded: str) -> str:
    for kind in _KINDS:
        if folded.startswith(kind + " "):
            return folded[len(kind) + 1 :]
    return folded


def key_loose(name: str) -> str:
    """Kind dropped, roman numerals as digits, NT = nông trường, y = i, no spaces or dashes.

    Catches "Phường I" = "Phường 1", "Thị trấn NT Liên Sơn" = "Thị Trấn Nông Trường Liên Sơn",
    "Xã Thuận Quí" = "Xã Thuận Quý", "Xã EaBar" = "Xã Ea Bar". Used last, and only when unique.
    """
    words = strip_kind(key_folded(name)).replace("n.t ", "nt ").split(" ")
    words = [_ROMAN.get(word, word) for word in words]
    words = ["nongtruong" if word == "nt" else word for word in words]
    return "".join(words).replace("-", "").replace("y", "i")


# Spellings that differ beyond what the keys absorb: (old province code, converter's name) →
# the name in vietnam-provinces 0.6.0. Each checked by hand against the converter's new name.
OLD_ALIASES = {
    ("64", "Xã Kông Pla"): "Xã Kông Bơ La",  # Gia Lai, huyện KBang; new commune "Xã Kông Bơ La"
}


def key_province(name: str) -> str:
    return strip_kind(key_folded(name)).replace("-", " ")


COMMUNE_TIERS: list[tuple[str, Callable[[str], str]]] = [
    ("exact", key_exact),
    ("toneless", key_toneless),
    ("folded", key_folded),
    ("loose", key_loose),
]


class NameIndex:
    """Candidates by name within one scope (a district or a province), for each matching tier."""

    def __init__(self, units: Iterable[tuple[str, str]]) -> None:
        self.tiers: dict[str, dict[str, set[str]]] = {
            tier: defaultdict(set) for tier, _ in COMMUNE_TIERS
        }
        for code, name in units:
            for tier, key in COMMUNE_TIERS:
                self.tiers[tier][key(name)].add(code)

    def find(self, name: str) -> tuple[str, str] | None:
        """(code, tier) for the first tier where the name has exactly one candidate."""
        for tier, key in COMMUNE_TIERS:
            codes = self.tiers[tier].get(key(name), set())
            if len(codes) == 1:
                return next(iter(codes)), tier
            if len(codes) > 1:
                return None  # ambiguous at this tier: looser tiers would only be worse
        return None


# --- Units -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    level: str
    code: str
    name: str
    parent_code: str
    province_code: str

    def as_dict(self) -> dict[str, str]:
        return {field: getattr(self, field) for field in UNIT_FIELDS}


def code(value: int | str, width: int) -> str:
    """GSO codes are zero-padded: province 2 digits, district 3, commune 5."""
    return str(int(value)).zfill(width)


def province_name(province: dict) -> str:
    """2025.10.1 writes provinces without their kind ("Điện Biên"): add it, as every unit has it."""
    name = nfc(province["name"])
    if key_folded(name).startswith(("tinh ", "thanh pho ")):
        return name
    prefix = "Thành phố" if province["division_type"] == "thành phố trung ương" else "Tỉnh"
    return f"{prefix} {name}"


def old_units(provinces: list[dict]) -> list[UnitRow]:
    """Provinces, districts and communes of the three-level scheme, in that order, by code."""
    rows: list[UnitRow] = []
    for province in provinces:
        pcode = code(province["code"], 2)
        rows.append(UnitRow("province", pcode, province_name(province), "", pcode))
        for district in province["districts"]:
            dcode = code(district["code"], 3)
            rows.append(UnitRow("district", dcode, nfc(district["name"]), pcode, pcode))
            for ward in district["wards"]:
                rows.append(
                    UnitRow("commune", code(ward["code"], 5), nfc(ward["name"]), dcode, pcode)
                )
    return sort_units(rows)


def new_units(provinces: list[dict]) -> list[UnitRow]:
    """Provinces and communes of the two-level scheme: communes sit directly under provinces."""
    rows: list[UnitRow] = []
    for province in provinces:
        pcode = code(province["code"], 2)
        rows.append(UnitRow("province", pcode, province_name(province), "", pcode))
        for ward in province["wards"]:
            rows.append(UnitRow("commune", code(ward["code"], 5), nfc(ward["name"]), pcode, pcode))
    return sort_units(rows)


def sort_units(rows: list[UnitRow]) -> list[UnitRow]:
    order = {"province": 0, "district": 1, "commune": 2}
    return sorted(rows, key=lambda row: (order[row.level], row.code))


# --- Crosswalk -------------------------------------------------------------------------------


class Resolver:
    """Resolves the converter's names to GSO codes within one scheme's units."""

    def __init__(self, units: list[UnitRow]) -> None:
        self.provinces = {key_province(u.name): u.code for u in units if u.level == "province"}
        districts: dict[str, list[UnitRow]] = defaultdict(list)
        for unit in units:
            if unit.level == "district":
                districts[unit.province_code].append(unit)
        # Kind first ("Thị xã Kỳ Anh" and "Huyện Kỳ Anh" both exist), loose last (Mộc Châu).
        self.districts = {k: NameIndex((u.code, u.name) for u in v) for k, v in districts.items()}
        communes = [u for u in units if u.level == "commune"]
        by_parent: dict[str, list[UnitRow]] = defaultdict(list)
        by_province: dict[str, list[UnitRow]] = defaultdict(list)
        for unit in communes:
            by_parent[unit.parent_code].append(unit)
            by_province[unit.province_code].append(unit)
        self.in_parent = {k: NameIndex((u.code, u.name) for u in v) for k, v in by_parent.items()}
        self.in_province = {
            k: NameIndex((u.code, u.name) for u in v) for k, v in by_province.items()
        }
        self.kind = {u.code: kind_of(u.name) for u in communes}
        self.parent = {u.code: u.parent_code for u in communes}

    def province(self, name: str) -> str:
        pcode = self.provinces.get(key_province(name))
        if pcode is None:
            raise SystemExit(f"Province not found in the GSO list: {name!r}")
        return pcode

    def district(self, province_code: str, name: str) -> str:
        found = (
            self.districts[province_code].find(name) if province_code in self.districts else None
        )
        return found[0] if found else ""

    def commune(self, province_code: str, parent_code: str, name: str) -> tuple[str, str]:
        """(code, how): within the parent first, then anywhere in the province (moved communes).

        A match that changed kind (thị trấn → xã) is labelled `kind`; one found outside the given
        district is labelled `province` and only accepted when the kind agrees.
        """
        found = self.in_parent[parent_code].find(name) if parent_code in self.in_parent else None
        if found:
            ucode, tier = found
            return ucode, tier if self.kind[ucode] == kind_of(name) else "kind"
        found = self.in_province[province_code].find(name)
        if found and self.kind[found[0]] == kind_of(name):
            return found[0], "province"
        return "", "unresolved"


def kind_of(name: str) -> str:
    """The kind of a unit name ("xa", "phuong", "thi tran"...), for telling kind changes apart."""
    folded = key_folded(name)
    return next((kind for kind in _KINDS if folded.startswith(kind + " ")), "")


def crosswalk_rows(
    converter_rows: list[dict], old: list[UnitRow], new: list[UnitRow]
) -> list[dict]:
    """The converter's old → new rows with GSO codes, exact duplicates dropped, split flagged."""
    old_resolver, new_resolver = Resolver(old), Resolver(new)
    rows: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for source in converter_rows:
        o, n = source["old"], source["new"]
        identity = (o["ward_code"] or "d" + o["district_code"], n["ward_code"])
        if identity in seen:
            continue
        seen.add(identity)
        row = resolve_old(o, old_resolver) | resolve_new(n, new_resolver)
        row["_old_id"], row["_new_id"] = identity
        rows.append(row)
    drop_doubtful_moves(rows)
    targets: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        targets[row["_old_id"]].add(row["_new_id"])
    for row in rows:
        row["partial"] = "1" if len(targets[row.pop("_old_id")]) > 1 else "0"
        row.pop("_new_id")
        row.pop("_named_district", None)
    return sorted(rows, key=crosswalk_sort_key)


def drop_doubtful_moves(rows: list[dict]) -> None:
    """Unresolve `province` matches whose commune another converter unit already claims.

    A name found in another district is only trusted when no other old unit of the converter
    resolves to the same GSO commune (two "Xã Chiềng Chung" exist in Sơn La).
    """
    claims: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["old_commune_code"]:
            claims[row["old_commune_code"]].add(row["_old_id"])
    for row in rows:
        if row["old_match"] == "province" and len(claims[row["old_commune_code"]]) > 1:
            row.update(
                old_commune_code="",
                old_match="unresolved",
                old_district_code=row["_named_district"],
            )


def resolve_old(o: dict, resolver: Resolver) -> dict:
    pcode = resolver.province(o["province_name"])
    dcode = resolver.district(pcode, o["district_name"])
    row = {
        "old_province_code": pcode,
        "old_district_code": dcode,
        "old_district_name": nfc(o["district_name"]),
        "old_commune_name": nfc(o["ward_name"]),
    }
    if not o["ward_name"]:  # an island district without communes (Côn Đảo, Lý Sơn...)
        return row | {"old_commune_code": "", "old_match": "district" if dcode else "unresolved"}
    alias = OLD_ALIASES.get((pcode, nfc(o["ward_name"])))
    ccode, how = resolver.commune(pcode, dcode, alias or o["ward_name"])
    how = "alias" if alias and ccode else how
    if ccode:
        row["old_district_code"] = resolver.parent[ccode]  # the GSO district, if it moved
    return row | {"old_commune_code": ccode, "old_match": how, "_named_district": dcode}


def resolve_new(n: dict, resolver: Resolver) -> dict:
    pcode = resolver.province(n["province_name"])
    ccode, how = resolver.commune(pcode, pcode, n["ward_name"])
    return {
        "new_province_code": pcode,
        "new_commune_code": ccode,
        "new_commune_name": nfc(n["ward_name"]),
        "new_match": how,
    }


def crosswalk_sort_key(row: dict) -> tuple[str, ...]:
    return (
        row["old_province_code"],
        row["old_district_code"],
        row["old_commune_code"] or row["old_commune_name"],
        row["new_commune_code"] or row["new_commune_name"],
    )


# --- Output ----------------------------------------------------------------------------------


def write_csv(path: Path, fields: list[str], rows: Iterable[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def level_counts(rows: list[UnitRow]) -> Counter:
    return Counter(row.level for row in rows)


def provenance(
    old_data: dict,
    new_data: dict,
    conv: dict,
    old: list[UnitRow],
    new: list[UnitRow],
    walk: list[dict],
) -> str:
    """PROVENANCE.md: where every file came from, under which licence, and what was changed."""
    sections = [
        provenance_header(old_data, new_data, conv),
        provenance_units(old, new),
        provenance_crosswalk(conv, old, new, walk),
    ]
    return "\n".join(sections)


def provenance_header(old_data: dict, new_data: dict, conv: dict) -> str:
    meta = conv["meta"]
    old_pkg = f"`{OLD_PACKAGE[0]}=={old_data['version']}`"
    new_pkg = f"`{NEW_PACKAGE[0]}=={new_data['version']}`"
    conv_pkg = f"`{CROSSWALK_PACKAGE[0]}=={conv['version']}`"
    conv_licence = conv["license"] or "see the licence file"
    return f"""# Provenance of fixtures/units/

Generated {datetime.date.today().isoformat()} by `python scripts/build_unit_fixtures.py`, run
from the project root. It needs PyPI, installs each package below into a throw-away virtualenv
and rewrites every file in this folder. The site reads only these files, never the packages.

| File | Source | Licence |
|---|---|---|
| `units_gso2004.csv` | {old_pkg}, data retrieved {old_data["data_version"]} | {licence(old_data)} |
| `units_gso2025.csv` | {new_pkg}, data retrieved {new_data["data_version"]} | {licence(new_data)} |
| `crosswalk_2025.csv` | {conv_pkg}, mapping {meta.get("version")} | {conv_licence} |

`vietnam-provinces` (Nguyễn Hồng Quân, https://github.com/sunshine-tech/VietnamProvinces) takes
names and codes from the General Statistics Office (GSO). Its wheels declare no licence; the
upstream repository's pyproject.toml declares GPL-3.0-or-later. The files here are lists of
official names and codes; settle the licence question before redistributing them further.

`vietnam-address-converter` (trng28, https://github.com/trng28/address-converter) is Apache-2.0;
its mapping comes from `{meta.get("source")}`. The full licence text is in
`LICENSE-vietnam-address-converter.txt`. Changes made here: GSO codes added by name matching,
duplicate rows dropped, `partial` derived (see below).
"""


def provenance_units(old: list[UnitRow], new: list[UnitRow]) -> str:
    oc, nc = level_counts(old), level_counts(new)
    old_names = {u.code: u.name for u in old if u.level == "commune"}
    shared = [u for u in new if u.level == "commune" and u.code in old_names]
    renamed = sum(1 for u in shared if old_names[u.code] != u.name)
    return f"""## units_gso2004.csv: before 1/7/2025 (three levels)

Columns: level, code (GSO, zero-padded: province 2 digits, district 3, commune 5), name (with
its kind, as the package spells it, NFC), parent_code, province_code.
Rows: {oc["province"]} provinces, {oc["district"]} districts, {oc["commune"]} communes.

## units_gso2025.csv: from 1/7/2025 (two levels)

Same columns; a commune's parent is its province. Rows: {nc["province"]} provinces,
{nc["commune"]} communes (xã, phường, đặc khu).
Changed from the package: it writes the 28 provinces without their kind ("Điện Biên"); "Tỉnh "
is prefixed so that every name carries its kind ("Tỉnh Điện Biên").
Reused codes: {len(shared)} new commune codes are also old commune codes, {renamed} of them with
a different name. A unit is identified by scheme and code, never by code alone.
"""


def provenance_crosswalk(conv: dict, old: list[UnitRow], new: list[UnitRow], walk: list) -> str:
    old_how = dict(sorted(Counter(row["old_match"] for row in walk).items()))
    new_how = dict(sorted(Counter(row["new_match"] for row in walk).items()))
    mapped_old = {row["old_commune_code"] for row in walk}
    mapped_new = {row["new_commune_code"] for row in walk}
    unmapped_old = sum(1 for u in old if u.level == "commune" and u.code not in mapped_old)
    unmapped_new = sum(1 for u in new if u.level == "commune" and u.code not in mapped_new)
    partial = sum(1 for row in walk if row["partial"] == "1")
    total = conv["meta"].get("row_count", len(conv["rows"]))
    return f"""## crosswalk_2025.csv: old commune → new commune

The converter has {total} rows and numbers units with its own ids, not GSO codes. This file
keeps {len(walk)} rows ({total - len(walk)} exact duplicates dropped) and resolves both sides to GSO
codes by name, within the district (old side) or the province (new side), in tiers:
`exact` (case, punctuation), `toneless` (tone placement: Hòa = Hoà), `folded` (no diacritics),
`loose` (roman numerals, NT = nông trường, y/i, spacing); each accepted only when unique.
`kind`: same name, different kind (thị trấn → xã). `alias`: a spelling listed in the script.
`province`: found in another district of the same province. `district`: the old unit is an
island district without communes. `unresolved`: no unique match; the code is left empty and
loaders skip the row. `partial` = 1 when the old unit goes to more than one new commune.

- Old side: {old_how}
- New side: {new_how}
- Rows of split old units (partial = 1): {partial}
- Old communes in units_gso2004.csv without a crosswalk row: {unmapped_old}
- New communes in units_gso2025.csv without a crosswalk row: {unmapped_new}

The converter's old side is more recent than `vietnam-provinces` 0.6.0 in a few places (changes
of late 2024 and 2025, e.g. thị xã Mộc Châu in Sơn La), hence the unresolved rows.
"""


def licence(data: dict) -> str:
    return data["license"] or "; ".join(data.get("classifiers", [])) or "not declared in the wheel"


def build(output: Path, workdir: Path) -> None:
    old_data = extract(OLD_PACKAGE, PROVINCES_SNIPPET, workdir)
    new_data = extract(NEW_PACKAGE, PROVINCES_SNIPPET, workdir)
    conv = extract(CROSSWALK_PACKAGE, CONVERTER_SNIPPET, workdir)
    old, new = old_units(old_data["provinces"]), new_units(new_data["provinces"])
    walk = crosswalk_rows(conv["rows"], old, new)
    output.mkdir(parents=True, exist_ok=True)
    write_csv(output / "units_gso2004.csv", UNIT_FIELDS, (row.as_dict() for row in old))
    write_csv(output / "units_gso2025.csv", UNIT_FIELDS, (row.as_dict() for row in new))
    write_csv(output / "crosswalk_2025.csv", CROSSWALK_FIELDS, walk)
    (output / "LICENSE-vietnam-address-converter.txt").write_text(conv["license_text"], "utf-8")
    (output / "PROVENANCE.md").write_text(
        provenance(old_data, new_data, conv, old, new, walk), "utf-8"
    )
    print(f"Wrote {len(old)} + {len(new)} units and {len(walk)} crosswalk rows to {output}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--workdir", type=Path, help="keep the virtualenvs here (default: temp)")
    args = parser.parse_args()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        build(args.output, args.workdir)
        return
    with tempfile.TemporaryDirectory(prefix="unit-fixtures-") as tmp:
        build(args.output, Path(tmp))


if __name__ == "__main__":
    main()
