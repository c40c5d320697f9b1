"""The Atom feeds of changes, read with a real feed parser (feedparser): one entry per reporting
date, the villages that gained a member, their own cell or went backwards, with links; no
personal data; both languages."""

import datetime
import re

import feedparser
import pytest

from tests.demo_snapshot import dien_bien
from units.models import Scheme, Unit, Village
from units.reads.feed import unit_entries
from units.reads.village_lists import figures_under, village_changes

pytestmark = pytest.mark.django_db


def parsed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_a_unit_feed_has_an_entry_per_date_with_the_pages_changes(client, demo):
    unit = dien_bien()
    feed = parsed(client, f"/u/{unit.id}/feed.atom")
    assert feed.version == "atom10"
    assert feed.feed.title == "Những thay đổi ở các thôn, bản của Tỉnh Điện Biên · partystats"
    assert feed.feed.link == f"http://testserver/u/{unit.id}/"
    entries = {entry.link: entry for entry in feed.entries}
    link = f"http://testserver/u/{unit.id}/?date=2017-12-31&compare=2017-09-30"
    assert link in entries, list(entries)[:3]
    entry = entries[link]
    assert entry.updated_parsed[:3] == (2017, 12, 31)
    # The same villages as the unit page's change lists for that date.
    periods = {
        p.date: p
        for p in [e.period for e in unit_entries(unit)] + [e.previous for e in unit_entries(unit)]
    }
    now = figures_under(unit, periods[datetime.date(2017, 12, 31)])
    before = periods[datetime.date(2017, 9, 30)]
    changes = village_changes(now, figures_under(unit, before), before)
    counts = (len(changes.gained_member), len(changes.gained_cell), len(changes.backwards))
    member, cell, back = counts
    assert entry.title == (
        f"Tỉnh Điện Biên tại 31/12/2017: {member} bản có đảng viên, "
        f"{cell} bản có chi bộ độc lập, {back} bản đi lùi"
    )
    content = entry.summary
    for change in changes.gained_cell[:5] + changes.gained_member[:5]:
        assert f'href="http://testserver/v/{change.village.id}/"' in content
        assert change.village.name in content
    assert len(feed.entries) == unit.coverage.count() - 1  # every date but the first
    assert feed.entries[0].updated_parsed > feed.entries[-1].updated_parsed


@pytest.mark.parametrize("language", ["vi", "en"])
def test_feeds_carry_no_member_counts(client, demo, language):
    """Village names and statuses only: no number of members of any village."""
    commune = Unit.objects.get(scheme=Scheme.GSO2004, name="Xã Mường Tùng")
    feed = parsed(client, f"/u/{commune.id}/feed.atom?lang={language}")
    content = " ".join(entry.summary for entry in feed.entries)
    assert content and not re.search(r"\d\s*(?:members?|đảng viên)", content)
    assert not re.search(r"\(\d", content)  # each village: (status → status), no count


def test_a_commune_feed_in_english_names_its_villages(client, demo):
    commune = Unit.objects.get(scheme=Scheme.GSO2004, name="Xã Mường Tùng")
    feed = parsed(client, f"/u/{commune.id}/feed.atom?lang=en")
    assert feed.feed.title == "Changes in the villages of Xã Mường Tùng · partystats"
    entries = {e.link: e for e in feed.entries}
    entry = entries[f"http://testserver/u/{commune.id}/?date=2017-12-31&compare=2017-09-30"]
    assert entry.title.startswith("Xã Mường Tùng at 31/12/2017: ")
    village = Village.objects.get(name="Bản Nậm Cang 1")
    mentioned = [e for e in feed.entries if f"/v/{village.id}/" in e.summary]
    assert mentioned, "Nậm Cang 1 gained a member in 2017 (the article)"
    assert "Gained a member (no longer white)" in mentioned[0].summary


def test_the_site_feed_covers_every_province(client, demo):
    feed = parsed(client, "/feed.atom?lang=en")
    assert feed.feed.title == "Changes in the villages, every province · partystats"
    units = {entry.title.split(" at ")[0] for entry in feed.entries}
    assert units <= {"Tỉnh Điện Biên"} and feed.entries
    newest = feed.entries[0]
    assert "/u/" in newest.link and "compare=" in newest.link


def test_a_feed_of_an_unknown_unit_is_a_404(client, demo):
    assert client.get("/u/999999/feed.atom").status_code == 404
