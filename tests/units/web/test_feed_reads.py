"""What the change feeds read: each date's village figures once and the changed villages' names
at once (units.reads.feed), and the site's feed only the entries it shows. The feeds themselves,
entry by entry, are tests/units/web/test_feeds.py's."""

import pytest

from tests.demo_snapshot import dien_bien
from tests.units.web.test_feeds import parsed
from units.models import Level, Unit
from units.reads import feed
from units.reads.feed import SITE_FEED_ENTRIES, FeedEntry, site_entries, unit_entries

pytestmark = pytest.mark.django_db


def test_the_site_feed_is_every_provinces_own_feed_merged(client, demo):
    """The site's feed reads only the entries it shows: they are the latest of the provinces'
    own feeds together, newest date first (then by name; provinces by name among equals), each
    the same entry as in its province's feed."""
    provinces = Unit.objects.filter(level=Level.PROVINCE, coverage__isnull=False).distinct()
    own = [
        (entry.updated_parsed, province.name, entry)
        for province in provinces.order_by("name", "id")
        for entry in parsed(client, f"/u/{province.id}/feed.atom?lang=en").entries
    ]
    own.sort(key=lambda found: found[:2], reverse=True)
    site = parsed(client, "/feed.atom?lang=en").entries
    assert len(site) == SITE_FEED_ENTRIES
    expected = [(e.id, e.title, e.summary) for _, _, e in own[:SITE_FEED_ENTRIES]]
    assert [(e.id, e.title, e.summary) for e in site] == expected


def summary(entry: FeedEntry) -> tuple:
    changes = entry.changes
    lists = (changes.gained_member, changes.gained_cell, changes.backwards)
    return (
        entry.unit.id,
        entry.period.date,
        entry.previous.date,
        entry.continued.id if entry.continued else None,
        [[(c.village.id, c.before.status, c.after.status) for c in rows] for rows in lists],
    )


@pytest.mark.parametrize("limit", [1, 2, 5, 39])
def test_the_site_entries_are_the_latest_of_every_province(demo, limit):
    """Fewer entries than the demo's provinces have, so that the site's feed must choose: the
    latest `limit` of their own entries, today's province's first (against the old province's
    last date) among them from 3 on."""
    provinces = Unit.objects.filter(level=Level.PROVINCE, coverage__isnull=False).distinct()
    own = [entry for p in provinces.order_by("name", "id") for entry in unit_entries(p)]
    own.sort(key=lambda entry: (entry.period.date, entry.unit.name), reverse=True)
    site = site_entries(limit=limit)
    assert [summary(e) for e in site] == [summary(e) for e in own[:limit]]
    assert any(entry.continued for entry in site) == (limit >= 3)


def test_a_feed_names_its_villages_the_same_in_several_reads(client, demo, monkeypatch):
    """The changed villages are named NAMES_AT_ONCE at a time (a database takes so many
    parameters in a query): read three at a time, the feed is the same."""
    url = f"/u/{dien_bien().id}/feed.atom"
    whole = client.get(url).content
    monkeypatch.setattr(feed, "NAMES_AT_ONCE", 3)
    assert client.get(url).content == whole
