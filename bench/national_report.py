"""Write a national-scale village report for the import benchmark (issue 3).

Every pre-2025 commune of the 63 provinces (fixtures/units/units_gso2004.csv) gets about ten
synthetic villages, so the file has about 100,000 village rows. One sheet per province, Roman
district sections and Arabic commune sections with their subtotals, in the canonical layout of
docs/import-format.md. Deterministic: the same seed gives the same file.

    python bench/national_report.py OUT.xlsx [--villages-per-commune 10]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
from collections import defaultdict
from pathlib import Path

import django
from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partystats.settings.local")
django.setup()

# The same canonical layout as the demo reports: one definition of the columns.
from imports.generators.demo_workbooks import COLUMNS as HEADER  # noqa: E402
from imports.generators.demo_workbooks import NUMBERS, to_roman  # noqa: E402

UNITS = Path(__file__).resolve().parent.parent / "fixtures" / "units" / "units_gso2004.csv"


def load_tree() -> tuple[dict, dict, dict]:
    provinces, districts, communes = {}, defaultdict(list), defaultdict(list)
    with UNITS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["level"] == "province":
                provinces[row["code"]] = row["name"]
            elif row["level"] == "district":
                districts[row["parent_code"]].append((row["code"], row["name"]))
            else:
                communes[row["parent_code"]].append((row["code"], row["name"]))
    return provinces, districts, communes


def village_rows(rng: random.Random, count: int) -> list[list]:
    rows = []
    for number in range(1, count + 1):
        status = rng.choices(("own", "joined", "white"), weights=(85, 12, 3))[0]
        if status == "own":
            members = rng.randint(3, 40)
            probationary = rng.randint(0, members - 3)
            text, host = "Có chi bộ độc lập", None
        elif status == "joined":
            members = rng.randint(1, 2)
            probationary = rng.randint(0, members)
            text, host = "Sinh hoạt ghép", "Thôn 1"
        else:
            members = probationary = 0
            text, host = "Chưa có đảng viên", None
        admitted = rng.randint(0, probationary)
        full = members - probationary
        name = f"Thôn {number}"
        rows.append([number, name, None, members, full, probationary, text, host, admitted, None])
    return rows


def subtotal(number, name, rows: list[list]) -> list:
    sums = [sum(row[index] for row in rows) for index in (3, 4, 5, 8)]
    return [number, name, None, sums[0], sums[1], sums[2], None, None, sums[3], None]


def national_report_write(path: Path, villages_per_commune: int = 10, date: str = "31/12/2017"):
    rng = random.Random(2017)
    provinces, districts, communes = load_tree()
    workbook = Workbook(write_only=True)
    total = 0
    for province_code, province_name in sorted(provinces.items()):
        sheet = workbook.create_sheet(province_code)
        sheet.append(["BAN TỔ CHỨC TỈNH ỦY " + province_name.upper()])
        sheet.append(["BIỂU THỐNG KÊ THÔN, BẢN, TỔ DÂN PHỐ CÓ ĐẢNG VIÊN, CÓ CHI BỘ"])
        sheet.append([f"Số liệu tính đến ngày {date}"])
        sheet.append([])
        sheet.append(list(HEADER))
        sheet.append(list(NUMBERS))
        for d_index, (district_code, district_name) in enumerate(districts[province_code], 1):
            blocks = []
            for c_index, (_, commune_name) in enumerate(communes[district_code], 1):
                rows = village_rows(rng, villages_per_commune)
                blocks.append((subtotal(str(c_index), commune_name, rows), rows))
                total += len(rows)
            every_village = [row for _, rows in blocks for row in rows]
            sheet.append(subtotal(to_roman(d_index), district_name, every_village))
            for commune_row, rows in blocks:
                sheet.append(commune_row)
                for row in rows:
                    sheet.append(row)
    workbook.save(path)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--villages-per-commune", type=int, default=10)
    arguments = parser.parse_args()
    rows = national_report_write(arguments.out, arguments.villages_per_commune)
    print(f"{arguments.out}: {rows} village rows")


if __name__ == "__main__":
    main()
