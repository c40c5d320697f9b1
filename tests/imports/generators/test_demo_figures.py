"""The demo adds up exactly to the published figures, and the pages show them (issue 2)."""

import datetime
import re

import pytest
from django.core.management import call_command

from tests.demo_snapshot import dien_bien
from units.models import (
    Coverage,
    Level,
    Scheme,
    Status,
    Unit,
    UnitFigure,
    Village,
    VillageFigure,
    VillagePlacement,
    VillageSuccession,
)

D = datetime.date
pytestmark = pytest.mark.django_db


def coverage_at(unit: Unit, date: datetime.date) -> Coverage:
    return Coverage.objects.get(unit=unit, period__date=date)


@pytest.mark.parametrize(
    ("date", "villages", "no_members", "joined"),
    [
        (D(2015, 12, 31), 1813, 95, 328),
        (D(2017, 12, 31), 1813, 23, 208),
        (D(2019, 12, 31), 1813, 8, 135),
    ],
)
def test_province_villages_add_up_to_published_figures(demo, date, villages, no_members, joined):
    coverage = coverage_at(dien_bien(), date)
    assert (coverage.villages, coverage.no_members, coverage.joined) == (
        villages,
        no_members,
        joined,
    )
    assert coverage.not_reported == 0


def test_no_white_village_and_five_joined_at_end_of_2023(demo):
    coverage = coverage_at(dien_bien(), D(2023, 12, 31))
    assert (coverage.no_members, coverage.joined) == (0, 5)
    assert coverage.villages < 1813  # villages were merged in 2020


def test_each_published_village_figure_matches_the_villages(demo):
    """Every published village count of the province equals the sum of its synthetic villages."""
    figures = UnitFigure.objects.filter(
        metric__in=["villages_no_members", "villages_joined"], unit__level=Level.PROVINCE
    ).select_related("period", "unit")
    assert figures.count() >= 7
    for figure in figures:
        coverage = coverage_at(figure.unit, figure.period.date)
        field = "no_members" if figure.metric == "villages_no_members" else "joined"
        assert getattr(coverage, field) == figure.value, (figure.metric, figure.period.date)
        if figure.denominator:
            assert coverage.villages == figure.denominator


def test_muong_cha_named_villages_white_through_2016_and_none_at_end_of_2017(demo):
    named = {
        "Bản Nậm Cang 1": "Xã Mường Tùng",
        "Bản Nậm Cang 2": "Xã Mường Tùng",
        "Bản Nậm Piền": "Xã Mường Tùng",
        "Bản Huổi Điết": "Xã Mường Tùng",
        "Bản Huổi Ít": "Xã Huổi Mí",
        "Bản Huổi Hạ": "Xã Na Sang",
    }
    muong_cha = Unit.objects.get(scheme=Scheme.GSO2004, level=Level.DISTRICT, code="097")
    assert muong_cha.name == "Huyện Mường Chà"
    for date in (D(2015, 12, 31), D(2016, 3, 31), D(2016, 6, 30), D(2016, 9, 30), D(2016, 12, 31)):
        whites = VillageFigure.objects.filter(
            period__date=date, district=muong_cha, status=Status.NO_MEMBERS
        ).select_related("village", "commune")
        assert {(f.village.name, f.commune.name) for f in whites} == set(named.items()), date
    assert coverage_at(muong_cha, D(2017, 12, 31)).no_members == 0


def test_210_villages_gained_their_own_cell_during_2017(demo):
    own_2016 = set(
        VillageFigure.objects.filter(
            period__date=D(2016, 12, 31), status=Status.OWN_CELL
        ).values_list("village_id", flat=True)
    )
    own_2017 = set(
        VillageFigure.objects.filter(
            period__date=D(2017, 12, 31), status=Status.OWN_CELL
        ).values_list("village_id", flat=True)
    )
    assert len(own_2017 - own_2016) == 210


def test_villages_move_into_the_new_communes_on_1_july_2025(demo):
    village = Village.objects.get(name="Bản Nậm Cang 1")
    before, after = village.placements.order_by("valid_from")
    assert before.commune.scheme == Scheme.GSO2004 and before.valid_to == D(2025, 6, 30)
    assert after.commune.scheme == Scheme.GSO2025 and after.valid_from == D(2025, 7, 1)
    assert after.commune.parent.level == Level.PROVINCE  # no districts any more
    # The new commune is one the crosswalk says continues the old one.
    assert after.commune.predecessions.filter(predecessor=before.commune).exists()
    figure = VillageFigure.objects.get(village=village, period__date=D(2025, 9, 30))
    assert figure.commune == after.commune and figure.district is None
    new_province = dien_bien(Scheme.GSO2025)
    assert (
        coverage_at(new_province, D(2025, 9, 30)).villages
        == Village.objects.filter(valid_to__isnull=True).count()
    )


def test_every_living_village_has_exactly_one_placement_on_any_date(demo):
    for date in (D(2016, 6, 30), D(2025, 6, 30), D(2025, 7, 1)):
        living = Village.objects.filter(valid_from__lte=date).exclude(valid_to__lt=date)
        placed = VillagePlacement.objects.filter(valid_from__lte=date).exclude(valid_to__lt=date)
        assert placed.count() == living.count()
        assert placed.values("village").distinct().count() == living.count()


def test_merged_villages_end_and_their_successor_begins(demo):
    merge = VillageSuccession.objects.select_related("predecessor", "successor").first()
    assert merge.predecessor.valid_to == D(2019, 12, 31)
    assert merge.successor.valid_from == D(2020, 1, 1)
    assert not VillageFigure.objects.filter(
        village=merge.predecessor, period__date__gte=D(2020, 1, 1)
    ).exists()


def test_merged_villages_have_names_of_their_own(demo):
    """A merged village has a real-shaped name, unique in its commune: never the bare kind
    ("Tổ dân phố"), and never a name another village of the commune had."""
    merged = Village.objects.filter(predecessions__isnull=False).distinct()
    assert merged.count() > 100
    urban = merged.filter(name__startswith="Tổ dân phố")
    assert urban.exists()  # the wards' and townships' merges are among them
    for village in merged:
        assert re.fullmatch(r"(Bản \S.*|Tổ dân phố \d+)", village.name), village.name
        commune = village.placements.get(valid_from=D(2020, 1, 1)).commune
        others = Village.objects.filter(placements__commune=commune).exclude(pk=village.pk)
        assert not others.filter(name=village.name).exists(), village.name


def test_load_demo_twice_changes_nothing(demo):
    counts = (Village.objects.count(), VillageFigure.objects.count(), UnitFigure.objects.count())
    call_command("load_demo")
    assert (
        Village.objects.count(),
        VillageFigure.objects.count(),
        UnitFigure.objects.count(),
    ) == counts
