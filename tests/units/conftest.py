"""Fixtures shared by the tests of units' reads and pages."""

import datetime

import pytest

from imports.services import report_import, report_preview
from tests.workbooks import (
    JOINED,
    NONE,
    OWN,
    placed_village,
    section,
    to_file,
    village,
    village_report,
)
from tests.workbooks import unit as unit_make
from units.models import Level, Scheme, Unit

D = datetime.date


def commune_report(places: tuple[str, str, str], date_line: str, rows: list[list]) -> None:
    """A village report of one commune (province committee, district, commune), imported as a
    staff member would."""
    committee, district, commune = places
    sections = [section("I", district), section("1", commune)]
    title = [f"BAN TỔ CHỨC TỈNH ỦY {committee}", "BIỂU THỐNG KÊ THÔN, BẢN CÓ ĐẢNG VIÊN"]
    workbook = village_report(
        sections + rows, title_lines=title, date_line=date_line, sheet_name=district[6:]
    )
    report_import(preview=report_preview(path_or_file=to_file(workbook)))


def an_giang_report(date_line: str, rows: list[list]) -> None:
    commune_report(("AN GIANG", "Huyện Chợ Mới", "Xã Long Điền A"), date_line, rows)


@pytest.fixture
def an_giang() -> Unit:
    """A southern province, whose villages are ấp, not bản: one commune of three ấp, reported
    at 31/12/2015 and 31/12/2017."""
    province = unit_make(Scheme.GSO2004, Level.PROVINCE, "89", "Tỉnh An Giang")
    district = unit_make(Scheme.GSO2004, Level.DISTRICT, "886", "Huyện Chợ Mới", province)
    commune = unit_make(Scheme.GSO2004, Level.COMMUNE, "30500", "Xã Long Điền A", district)
    for name in ("Ấp Long Hòa", "Ấp Long Thạnh", "Ấp Long Quới"):
        placed_village(name, commune, D(2015, 1, 1))
    an_giang_report(
        "Số liệu tính đến ngày 31/12/2015",
        [
            village(1, "Ấp Long Hòa", 5, 5, 0, OWN),
            village(2, "Ấp Long Thạnh", 2, 2, 0, JOINED, host="Ấp Long Hòa"),
            village(3, "Ấp Long Quới", 0, 0, 0, NONE),
        ],
    )
    an_giang_report(
        "Số liệu tính đến ngày 31/12/2017",
        [
            village(1, "Ấp Long Hòa", 6, 6, 0, OWN),
            village(2, "Ấp Long Thạnh", 4, 4, 0, OWN),
            village(3, "Ấp Long Quới", 1, 1, 0, JOINED, host="Ấp Long Hòa"),
        ],
    )
    return province


@pytest.fixture
def lai_chau() -> Unit:
    """A northern province whose one commune (two bản) reported only at 31/12/2015."""
    province = unit_make(Scheme.GSO2004, Level.PROVINCE, "12", "Tỉnh Lai Châu")
    district = unit_make(Scheme.GSO2004, Level.DISTRICT, "106", "Huyện Mường Tè", province)
    commune = unit_make(Scheme.GSO2004, Level.COMMUNE, "03388", "Xã Bum Nưa", district)
    for name in ("Bản Nậm Củm", "Bản Pa Ủ"):
        placed_village(name, commune, D(2015, 1, 1))
    commune_report(
        ("LAI CHÂU", "Huyện Mường Tè", "Xã Bum Nưa"),
        "Số liệu tính đến ngày 31/12/2015",
        [village(1, "Bản Nậm Củm", 3, 3, 0, OWN), village(2, "Bản Pa Ủ", 0, 0, 0, NONE)],
    )
    return province
