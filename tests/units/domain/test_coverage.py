"""The coverage rows the rebuild and the refresh write (units.domain.coverage): the database
counts and inserts them in one statement a level; they must equal the direct count
(`village_counts`, in Python) for the whole date and for the communes a write names."""

import datetime

import pytest

from units.domain.coverage import (
    COUNTED,
    coverage_differences,
    coverage_rebuild,
    coverage_refresh,
    period_for_date,
)
from units.domain.lifetimes import Changes
from units.domain.names import name_key, sort_key
from units.models import (
    Coverage,
    DataVersion,
    Status,
    Village,
    VillageFigure,
    VillagePlacement,
)

pytestmark = pytest.mark.django_db
D = datetime.date
DATE = D(2017, 12, 31)
START = D(2015, 1, 1)


def village(
    name: str, commune, start=START, end=None, placed_until=None, synthetic=False
) -> Village:
    created = Village.objects.create(
        name=name,
        name_key=name_key(name),
        sort_key=sort_key(name),
        valid_from=start,
        valid_to=end,
        synthetic=synthetic,
    )
    VillagePlacement.objects.create(
        village=created, commune=commune, valid_from=start, valid_to=placed_until
    )
    return created


def figure(village_, commune, period, status, members, admissions=None) -> None:
    VillageFigure.objects.create(
        village=village_,
        period=period,
        commune=commune,
        district=commune.parent,
        status=status,
        members=members,
        admissions=admissions,
    )


def stored(unit, period) -> tuple | None:
    row = Coverage.objects.filter(unit=unit, period=period).values_list(*COUNTED).first()
    return tuple(row) if row else None


def refresh(commune) -> int:
    """A write's refresh of the commune at DATE."""
    changes = Changes()
    changes.figures([commune.id], DATE)
    return coverage_refresh(changes)


@pytest.fixture
def counted(province):
    """Xã Quài Nưa at 31/12/2017: one village of each status, one without a figure (not
    reported), one reported "not reported", one ended before the date and one placed
    elsewhere by then (neither counted); Xã Mường Tùng's four villages without figures. Two of
    the villages counted are synthetic (one reported, one not), and so is the one ended."""
    period = period_for_date(DATE)
    commune = province.quai_nua
    figure(province.villages["Bản Co Củ"], commune, period, Status.OWN_CELL, 5, 2)
    figure(village("Bản Hai", commune, synthetic=True), commune, period, Status.JOINED, 2, 1)
    figure(village("Bản Ba", commune), commune, period, Status.NO_MEMBERS, 0)
    figure(village("Bản Bốn", commune), commune, period, Status.NOT_REPORTED, None)
    village("Bản Năm", commune, synthetic=True)
    village("Bản Cũ", commune, end=D(2016, 12, 31), synthetic=True)
    village("Bản Đi", commune, placed_until=D(2017, 6, 30))
    return period


def test_the_whole_date_is_the_direct_count(province, counted):
    assert coverage_rebuild(periods=[counted]) > 0
    # villages, own cell, joined, no members, not reported, members, admissions, synthetic
    assert stored(province.quai_nua, counted) == (5, 1, 1, 1, 2, 7, 3, 2)
    assert stored(province.tuan_giao, counted) == (5, 1, 1, 1, 2, 7, 3, 2)
    assert stored(province.muong_tung, counted) == (4, 0, 0, 0, 4, 0, 0, 0)
    assert stored(province.province, counted) == (9, 1, 1, 1, 6, 7, 3, 2)
    assert coverage_differences() == []


def test_a_refresh_redoes_the_communes_named_and_their_ancestors(province, counted):
    coverage_rebuild(periods=[counted])
    commune = province.muong_tung
    nam_cang = province.villages["Bản Nậm Cang 1"]
    figure(nam_cang, commune, counted, Status.OWN_CELL, 4, 1)
    VillagePlacement.objects.filter(village=province.villages["Bản Huổi Điết"]).delete()
    assert refresh(commune) == 3  # the commune, its district, its province
    assert stored(commune, counted) == (3, 1, 0, 0, 2, 4, 1, 0)
    assert stored(province.muong_cha, counted) == (3, 1, 0, 0, 2, 4, 1, 0)
    assert stored(province.province, counted) == (8, 2, 1, 1, 4, 11, 4, 2)
    assert coverage_differences() == []


def test_a_commune_with_no_village_left_loses_its_row(province, counted):
    coverage_rebuild(periods=[counted])
    commune = province.muong_tung
    VillagePlacement.objects.filter(commune=commune).delete()
    refresh(commune)
    assert stored(commune, counted) is None
    assert stored(province.muong_cha, counted) is None
    assert stored(province.province, counted) == (5, 1, 1, 1, 2, 7, 3, 2)
    assert coverage_differences() == []


def test_a_wrong_synthetic_count_is_a_difference(province, counted):
    coverage_rebuild(periods=[counted])
    Coverage.objects.filter(unit=province.quai_nua, period=counted).update(synthetic=0)
    [difference] = coverage_differences()
    assert (difference.unit, difference.stored[-1], difference.expected[-1]) == (
        province.quai_nua.id,
        0,
        2,
    )


def test_the_data_version_says_whether_any_village_is_synthetic(province, counted):
    coverage_rebuild(periods=[counted])
    assert DataVersion.current().synthetic_villages
    Village.objects.filter(synthetic=True).update(synthetic=False)
    coverage_rebuild(periods=[counted])
    assert not DataVersion.current().synthetic_villages
    assert stored(province.province, counted)[-1] == 0
