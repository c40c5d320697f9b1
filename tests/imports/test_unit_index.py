"""The import's index of units (imports.reference): the units it hands out are the ones the
database holds, made without Django's general path."""

from __future__ import annotations

import datetime

import pytest
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_init, pre_init

from imports.reference import UnitIndex, UnitRow, unit_of
from tests.workbooks import unit
from units.models import Level, Scheme, Unit

pytestmark = pytest.mark.django_db


def test_a_unit_from_its_row_is_the_unit_from_db_would_make(province):
    row = Unit.objects.filter(level=Level.COMMUNE).values_list(*UnitRow._fields).first()
    made, expected = unit_of(UnitRow(*row)), Unit.from_db(DEFAULT_DB_ALIAS, UnitRow._fields, row)
    assert made == expected and made.pk is not None
    assert {key: value for key, value in vars(made).items() if key != "_state"} == {
        key: value for key, value in vars(expected).items() if key != "_state"
    }
    assert (made._state.adding, made._state.db) == (False, DEFAULT_DB_ALIAS)
    assert made.get_deferred_fields() == expected.get_deferred_fields() == {"valid_from"}
    # A field the row does not hold is read from the database when asked for, as deferred.
    assert made.valid_from == Unit.objects.get(pk=made.pk).valid_from
    assert made.parent == Unit.objects.get(pk=made.pk).parent


def test_no_receiver_is_skipped_by_making_units_without_init():
    assert not pre_init.has_listeners(Unit) and not post_init.has_listeners(Unit)


def test_the_index_finds_a_commune_as_the_stored_unit(province):
    commune = Unit.objects.filter(level=Level.COMMUNE).select_related("parent").first()
    index = UnitIndex(datetime.date(2018, 6, 30))
    index.provinces_load([commune.parent.parent_id])
    match = index.find(commune.name, Level.COMMUNE, commune.parent_id)
    assert match.found == commune
    assert (match.found.name, match.found.sort_key, match.found.parent_id) == (
        commune.name,
        commune.sort_key,
        commune.parent_id,
    )


def _other_provinces() -> None:
    """Lai Châu, with a commune named like one of Điện Biên's, a commune whose district ended
    before the date, and a commune directly under its province."""
    old = Scheme.GSO2004
    lai_chau = unit(old, Level.PROVINCE, "12", "Tỉnh Lai Châu")
    phong_tho = unit(old, Level.DISTRICT, "105", "Huyện Phong Thổ", lai_chau)
    unit(old, Level.COMMUNE, "03400", "Xã Mường Tùng", phong_tho)
    unit(old, Level.COMMUNE, "03401", "Xã Mù Sang", phong_tho)
    unit(old, Level.COMMUNE, "03402", "Thị trấn Tam Đường", lai_chau)
    ended = unit(old, Level.DISTRICT, "106", "Huyện Sìn Hồ", lai_chau)
    Unit.objects.filter(pk=ended.pk).update(valid_to=datetime.date(2010, 1, 1))
    unit(old, Level.COMMUNE, "03403", "Xã Pa Tần", ended)


NAMES = [
    (Level.COMMUNE, "Xã Mường Tùng"),  # in both provinces
    (Level.COMMUNE, "Mường  Tùng"),  # by its key
    (Level.COMMUNE, "Xã Mù Sang"),
    (Level.COMMUNE, "Tam Đường"),  # directly under its province
    (Level.COMMUNE, "Xã Pa Tần"),  # its district ended before the date: no province's
    (Level.DISTRICT, "Huyện Mường Chà"),
    (Level.DISTRICT, "Phong Thổ"),
    (Level.COMMUNE, "Huyện Mường Chà"),  # a district asked as a commune
    (Level.COMMUNE, "Xã Nowhere"),
]


def test_names_are_found_alike_whether_the_provinces_are_held_or_not(province):
    """With every province's units held (a national report by its last sheet), the names are
    looked up among them instead of queried: the provinces found are the same."""
    _other_provinces()
    date = datetime.date(2018, 6, 30)
    queried = UnitIndex(date)
    held = UnitIndex(date)
    held.provinces_load(each.id for each in held.provinces)
    for names in (NAMES, NAMES[:3], NAMES[4:5] * 3):
        assert held.names_found(names) == queried.names_found(names)
    dien_bien, lai_chau = province.province.id, _lai_chau()
    assert queried.names_found(NAMES) == {dien_bien: 3, lai_chau: 5}
    assert queried.names_found(NAMES[4:5]) == {}


def _lai_chau() -> int:
    return Unit.objects.get(name="Tỉnh Lai Châu").id
