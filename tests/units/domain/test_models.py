"""Database constraints and the fixed query count of the pages."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError  # noqa: F401  (documents what PROTECT raises)
from django.test.utils import CaptureQueriesContext

from units.domain.coverage import coverage_rebuild, period_for_date
from units.domain.names import name_key, sort_key
from units.models import Level, Scheme, Status, Unit, Village, VillageFigure, VillagePlacement

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def commune():
    province = Unit.objects.create(
        scheme=Scheme.GSO2004,
        level=Level.PROVINCE,
        code="99",
        name="Tỉnh Thử",
        name_key="thu",
        sort_key=sort_key("Tỉnh Thử"),
        valid_from=D(2004, 1, 1),
        valid_to=D(2025, 6, 30),
    )
    district = Unit.objects.create(
        scheme=Scheme.GSO2004,
        level=Level.DISTRICT,
        code="991",
        name="Huyện Một",
        name_key="mot",
        sort_key=sort_key("Huyện Một"),
        parent=province,
        valid_from=D(2004, 1, 1),
        valid_to=D(2025, 6, 30),
    )
    return Unit.objects.create(
        scheme=Scheme.GSO2004,
        level=Level.COMMUNE,
        code="99101",
        name="Xã Hai",
        name_key="hai",
        sort_key=sort_key("Xã Hai"),
        parent=district,
        valid_from=D(2004, 1, 1),
        valid_to=D(2025, 6, 30),
    )


def add_villages(commune: Unit, count: int, period, start: int = 0) -> None:
    for number in range(start, start + count):
        village = Village.objects.create(
            name=f"Bản {number}",
            name_key=name_key(f"Bản {number}"),
            sort_key=sort_key(f"Bản {number}"),
            valid_from=D(2015, 1, 1),
        )
        VillagePlacement.objects.create(village=village, commune=commune, valid_from=D(2015, 1, 1))
        if number % 3:  # every third village is left unreported
            VillageFigure.objects.create(
                village=village,
                period=period,
                commune=commune,
                district=commune.parent,
                status=Status.OWN_CELL,
                members=5,
                full_members=4,
                probationary_members=1,
            )
    coverage_rebuild(periods=[period])


def figure(commune, period, **fields):
    village = Village.objects.create(
        name="Bản X", name_key="x", sort_key=sort_key("Bản X"), valid_from=D(2015, 1, 1)
    )
    values = {"status": Status.OWN_CELL, "members": 5} | fields
    return VillageFigure(village=village, period=period, commune=commune, **values)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.NO_MEMBERS, "members": 2},
        {"status": Status.JOINED, "members": 0},
        {"status": Status.OWN_CELL, "members": 2},
        {"status": Status.OWN_CELL, "members": 5, "full_members": 2, "probationary_members": 3},
        {"status": Status.OWN_CELL, "members": 5, "full_members": 4, "probationary_members": 2},
        {"status": Status.NOT_REPORTED, "members": 3},
        {"status": Status.JOINED, "members": None},
        {"status": Status.JOINED, "members": -1},
    ],
)
def test_constraints_refuse_inconsistent_rows(commune, fields):
    period = period_for_date(D(2017, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        figure(commune, period, **fields).save()


def test_one_figure_per_village_and_date(commune):
    period = period_for_date(D(2017, 12, 31))
    row = figure(commune, period)
    row.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        VillageFigure.objects.create(
            village=row.village, period=period, commune=commune, status=Status.JOINED, members=1
        )


def test_unit_code_is_unique_only_within_its_scheme(commune):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(
            scheme=Scheme.GSO2004,
            level=Level.COMMUNE,
            code="99101",
            name="Xã B",
            name_key="b",
            sort_key=sort_key("Xã B"),
            valid_from=D(2004, 1, 1),
            valid_to=D(2025, 6, 30),
        )
    Unit.objects.create(
        scheme=Scheme.GSO2025,
        level=Level.COMMUNE,
        code="99101",
        name="Xã B",
        name_key="b",
        sort_key=sort_key("Xã B"),
        valid_from=D(2025, 7, 1),
    )
    assert Unit.objects.filter(code="99101").count() == 2


def test_a_district_cannot_outlive_the_reform(commune):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(
            scheme=Scheme.GSO2025,
            level=Level.DISTRICT,
            code="777",
            name="Huyện",
            name_key="h",
            sort_key=sort_key("Huyện"),
            valid_from=D(2025, 7, 1),
        )


def test_coverage_counts_unreported_villages_separately(commune):
    period = period_for_date(D(2017, 12, 31))
    add_villages(commune, 9, period)
    coverage = commune.coverage.get(period=period)
    assert (coverage.villages, coverage.own_cell, coverage.not_reported) == (9, 6, 3)
    assert commune.parent.parent.coverage.get(period=period).villages == 9


@pytest.mark.parametrize("page", ["commune", "district", "province", "api"])
def test_page_query_count_does_not_grow_with_villages(client, commune, page):
    period = period_for_date(D(2017, 12, 31))
    unit = {
        "commune": commune,
        "district": commune.parent,
        "province": commune.parent.parent,
        "api": commune,
    }[page]
    url = (
        f"/api/v1/figures?unit={unit.id}&date=2017-12-31"
        if page == "api"
        else f"/u/{unit.id}/?date=2017-12-31"
    )

    def queries_for(total_villages: int, start: int) -> int:
        add_villages(commune, total_villages, period, start)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    few = queries_for(3, 0)
    many = queries_for(60, 3)
    assert few == many
