"""The rules a village's placements follow (units.domain.lifetimes, docs/village-identity.md),
on plain values: no database."""

import datetime
import random
from collections import defaultdict

from units.domain.lifetimes import Changes, Seen, Span, placements_derive

D = datetime.date
OLD, NEW, OTHER = 1, 2, 3
ENDS = {OLD: D(2025, 6, 30), NEW: None, OTHER: D(2025, 6, 30)}
TAKEOVER = {(OLD, NEW): D(2025, 7, 1)}


def test_a_village_seen_once_is_placed_there_until_its_commune_ends():
    seen = [Seen(OLD, D(2018, 6, 30), D(2018, 6, 30))]
    assert placements_derive(seen, [], ENDS, TAKEOVER, None) == [
        Span(OLD, D(2018, 6, 30), D(2025, 6, 30))
    ]


def test_a_village_that_came_through_the_crosswalk_is_placed_from_the_takeover():
    seen = [Seen(NEW, D(2025, 9, 30), D(2025, 12, 31)), Seen(OLD, D(2017, 12, 31), D(2018, 6, 30))]
    assert placements_derive(seen, [], ENDS, TAKEOVER, None) == [
        Span(OLD, D(2017, 12, 31), D(2025, 6, 30)),
        Span(NEW, D(2025, 7, 1), None),
    ]


def test_a_move_without_a_crosswalk_begins_at_the_first_figure_there():
    seen = [
        Seen(OLD, D(2017, 12, 31), D(2017, 12, 31)),
        Seen(OTHER, D(2019, 3, 31), D(2019, 3, 31)),
    ]
    assert placements_derive(seen, [], ENDS, TAKEOVER, None) == [
        Span(OLD, D(2017, 12, 31), D(2019, 3, 30)),
        Span(OTHER, D(2019, 3, 31), D(2025, 6, 30)),
    ]


def test_recorded_placements_are_kept_and_the_village_end_clips():
    recorded = [Span(NEW, D(2025, 7, 1), None)]
    seen = [Seen(OLD, D(2018, 6, 30), D(2019, 12, 31)), Seen(NEW, D(2025, 9, 30), D(2025, 9, 30))]
    assert placements_derive(seen, recorded, ENDS, TAKEOVER, None) == [
        Span(OLD, D(2018, 6, 30), D(2025, 6, 30))
    ]
    merged_away = D(2019, 12, 31)
    assert placements_derive(seen[:1], [], ENDS, TAKEOVER, merged_away) == [
        Span(OLD, D(2018, 6, 30), merged_away)
    ]


def test_changes_are_the_dates_where_a_footprint_differs():
    changes = Changes()
    before = [Span(OLD, D(2018, 6, 30), D(2025, 6, 30))]
    after = [Span(OLD, D(2017, 12, 31), D(2025, 6, 30))]  # extended back
    changes.footprint_changed(before, after)
    changes.figure(NEW, D(2025, 9, 30))
    dates = [D(2017, 12, 31), D(2018, 3, 31), D(2018, 6, 30), D(2025, 9, 30)]
    assert changes.dates(dates) == {
        D(2017, 12, 31): {OLD},
        D(2018, 3, 31): {OLD},
        D(2025, 9, 30): {NEW},
    }


def test_changes_dates_are_every_date_a_span_covers_in_any_order():
    """Spans as ordinals [start, end): each date from start on, up to the day before end;
    open spans to every later date; dates given in any order."""
    rng = random.Random(9)
    days = [D(2015, 1, 1) + datetime.timedelta(days=rng.randrange(400)) for _ in range(40)]
    near = [day + datetime.timedelta(days=shift) for day in days for shift in (-1, 0, 1)]
    changes = Changes()
    for _ in range(300):  # spans that start and end on, before and after the dates
        start = rng.choice(near)
        end = rng.choice([None, start, max(start, rng.choice(near))])
        changes.span(rng.randrange(20), start, end)
    expected = defaultdict(set)
    for commune, spans in changes.spans.items():
        for date in days:
            if any(start <= date.toordinal() < end for start, end in spans):
                expected[date].add(commune)
    assert changes.dates(days) == expected


def test_figures_name_each_commune_at_the_date_as_figure_does():
    one_by_one, at_once = Changes(), Changes()
    for commune in (OLD, NEW, OLD):
        one_by_one.figure(commune, D(2018, 6, 30))
    at_once.figures([OLD, NEW, OLD], D(2018, 6, 30))
    assert at_once.spans == one_by_one.spans
    dates = [D(2018, 3, 31), D(2018, 6, 30), D(2018, 7, 1)]
    assert at_once.dates(dates) == {D(2018, 6, 30): {OLD, NEW}}
