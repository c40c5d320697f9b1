"""The change table of the restore, publish and withdraw pages (imports/restore_plan.py)."""

import datetime

import pytest

from imports.models import ImportRun
from imports.restore_plan import RestorePlan, _changes_list
from tests.workbooks import unit
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
