"""The import's index of units (imports.reference): the units it hands out are the ones the
database holds, made without Django's general path."""

from __future__ import annotations

import datetime

import pytest
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_init, pre_init

from imports.reference import UnitIndex, UnitRow, unit_of
from units.models import Level, Unit

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
