"""The change table of the restore, publish and withdraw pages (imports/restore_plan.py): units
in Vietnamese order; admissions no village reported are None (shown "—"), never 0."""

import datetime

import pytest
from openpyxl import Workbook

from imports.models import ImportRun
from imports.publish_plan import publish_plan, withdraw_plan
from imports.restore_plan import RestorePlan, _changes_list, restore_plan
from imports.services import report_import, report_preview
from tests.gate import drafted, published
from tests.workbooks import (
    HEADER,
    NUMBERS,
    OWN,
    SUBHEADER,
    mung_tung_rows,
    section,
    to_file,
    unit,
    village,
    village_report,
    village_sheet,
)
from units.models import Level, Scheme

pytestmark = pytest.mark.django_db


def test_units_are_listed_in_vietnamese_order(province):
    """Đ sorts after D, not after every Latin letter as its code point would put it."""
    dong = unit(Scheme.GSO2004, Level.COMMUNE, "03299", "Xã Đông Tà", province.muong_cha)
    day = datetime.date(2017, 12, 31)
    communes = [province.quai_nua, dong, province.muong_tung]
    before = {(day, c.id): (1,) for c in communes}
    after = {(day, c.id): (2,) for c in communes}
    plan = RestorePlan(run=ImportRun(file_name="x.xlsx"))
    _changes_list(plan, before, after)
    assert [change.unit.name for change in plan.changes] == [
        "Xã Đông Tà",
        "Xã Mường Tùng",
        "Xã Quài Nưa",
    ]


# ---------------------------------------------------------------------------- admissions


def no_admissions_report(rows: list[list] | None = None):
    """A village report without the admissions column: every village's admissions stored empty
    (not reported), which `Coverage` sums as 0 (docs/import-format.md: a column that exists
    counts its empty cells as 0; a column that does not reports nothing)."""
    rows = mung_tung_rows() if rows is None else rows
    workbook = Workbook()
    village_sheet(
        workbook.active, [[*row[:8], *row[9:]] for row in rows], header=HEADER[:8] + HEADER[9:],
        subheader=SUBHEADER[:8] + SUBHEADER[9:], numbers=NUMBERS[:9],
    )  # fmt: skip
    return workbook


def admissions(plan) -> dict[str, tuple]:
    """Each unit's admissions in the plan, before → after."""
    return {change.unit.name: change.pairs()[-1] for change in plan.changes}


def test_admissions_no_village_reported_are_none_not_zero(province, importer):
    draft = drafted(no_admissions_report(), importer)
    assert admissions(publish_plan(draft)) == {
        "Tỉnh Điện Biên": (None, None),
        "Huyện Mường Chà": (None, None),
        "Xã Mường Tùng": (None, None),
    }


def test_admissions_reported_as_zero_stay_zero(province, importer):
    rows = mung_tung_rows()
    rows[3] = village(2, "Bản Huổi Lèng", 14, 12, 2, OWN, admissions=0)
    rows[5] = [None, "Cộng xã", None, 16, 14, 2, None, None, 0, None]
    plan = publish_plan(drafted(village_report(rows), importer))
    assert admissions(plan) == {
        "Tỉnh Điện Biên": (None, 0),
        "Huyện Mường Chà": (None, 0),
        "Xã Mường Tùng": (None, 0),
    }


def test_a_unit_sums_the_admissions_of_its_villages_that_reported_them(
    province, importer, publisher
):
    """Mường Tùng reported its admissions, Quài Nưa (in another district) does not: the province
    shows Mường Tùng's; Quài Nưa and its district show none."""
    published(village_report(), importer, publisher)
    rows = [section("II", "Huyện Tuần Giáo"), section("1", "Xã Quài Nưa")]
    rows.append(village(1, "Bản Co Củ", 5, 4, 1, OWN))
    draft = drafted(no_admissions_report(rows), importer, name="quai-nua.xlsx")
    assert admissions(publish_plan(draft)) == {
        "Tỉnh Điện Biên": (1, 1),
        "Huyện Tuần Giáo": (None, None),
        "Xã Quài Nưa": (None, None),
    }


def test_restoring_or_withdrawing_over_a_report_without_admissions(province):
    """Figures with admissions replaced by a report without them: restoring the first (or
    withdrawing the second) brings admissions back where none were reported."""
    first = report_import(preview=report_preview(path_or_file=to_file(village_report())))
    preview = report_preview(path_or_file=to_file(no_admissions_report(), name="b.xlsx"))
    second = report_import(preview=preview, replace=True)
    first.refresh_from_db()
    came_back = {
        "Tỉnh Điện Biên": (None, 1),
        "Huyện Mường Chà": (None, 1),
        "Xã Mường Tùng": (None, 1),
    }
    assert admissions(restore_plan(first)) == came_back
    assert admissions(withdraw_plan(second)) == came_back
