"""The Atom feeds of changes, read with a real feed parser (feedparser): one entry per reporting
date, the villages that gained a member, their own cell or went backwards, with links; no
personal data; both languages."""

import datetime
import re

import feedparser
import pytest

from tests.demo_snapshot import dien_bien
from tests.reform_villages import (
    a_changed_village_across_the_reform,
    changed,
    continue_only,
    new_province,
    old_province,
)
from units.models import Scheme, Unit, Village
from units.reads.feed import SITE_FEED_ENTRIES, unit_entries
from units.reads.village_lists import figures_under, village_changes

pytestmark = pytest.mark.django_db


def parsed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def text(html: str) -> str:
    return re.sub(r"<[^>]+>|\s+", " ", html).strip()


def listed(summary: str) -> dict[str, set[int]]:
    """The villages of each list of an entry (gained a member, their own cell, went backwards,
    in that order), by the list's key."""
    lists = summary.split("<h3>")[1:]
    keys = ("gained-member", "gained-cell", "backwards")
    return {
        key: {int(v) for v in re.findall(r'href="http://testserver/v/(\d+)/"', html)}
        for key, html in zip(keys, lists, strict=True)
    }


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
        f"Tỉnh Điện Biên tại 31/12/2017: {member} thôn, bản có đảng viên, "
        f"{cell} thôn, bản có chi bộ độc lập, {back} thôn, bản đi lùi"
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


# Today's Điện Biên (from 1/7/2025) on its first date, against 30/6/2025, the last date of the
# province it continues: the entry's title, the sentence before its lists, and that those figures
# are the old province's, as the unit page's lists say it.
FIRST_ENTRY = {
    "vi": (
        "Tỉnh Điện Biên tại 30/09/2025: {} thôn, bản có đảng viên, {} thôn, bản có chi bộ độc "
        "lập, {} thôn, bản đi lùi",
        "Các thôn, bản của Tỉnh Điện Biên thay đổi tình trạng từ 30/06/2025 đến 30/09/2025",
        "Số liệu đến 30/06/2025 là của tỉnh Điện Biên trước khi sắp xếp đơn vị hành chính.",
    ),
    "en": (
        "Tỉnh Điện Biên at 30/09/2025: {} gained a member, {} gained their own cell, {} went "
        "backwards",
        "Villages of Tỉnh Điện Biên whose status changed from 30/06/2025 to 30/09/2025",
        "Up to 30/06/2025, the figures are those of Tỉnh Điện Biên before the reorganisation of "
        "administrative units.",
    ),
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_todays_province_feed_counts_its_first_date_from_the_province_it_continues(
    client, demo, language
):
    """Its first date, 30/9/2025, has no date of its own before it: the entry compares its
    villages with those of the province it continues at 30/6/2025, and says so."""
    province = dien_bien(Scheme.GSO2025)
    feed = parsed(client, f"/u/{province.id}/feed.atom?lang={language}")
    link = f"http://testserver/u/{province.id}/?date=2025-09-30&compare=2025-06-30"
    entry = feed.entries[-1]  # the oldest
    assert entry.link == entry.id == link
    assert len(feed.entries) == province.coverage.count()  # every date, the first included
    expected = changed(old_province("2025-06-30"), new_province("2025-09-30"))
    assert any(expected.values())
    assert listed(entry.summary) == expected
    title, sentence, note = FIRST_ENTRY[language]
    member, cell, back = (
        len(expected[key]) for key in ("gained-member", "gained-cell", "backwards")
    )
    assert entry.title == title.format(member, cell, back)
    assert text(entry.summary).startswith(f"{sentence}, ")
    assert note in text(entry.summary)
    # The later entries compare dates of its own: no note.
    assert [e.id for e in feed.entries if note in text(e.summary)] == [link]


def test_a_commune_feed_reaches_back_only_into_the_one_commune_it_continues(client, demo):
    """A new commune formed from several old ones has no entry for its first date (30/9/2025);
    one that continues a single old commune has one, against that commune's 30/6/2025."""
    village, old_commune, commune = a_changed_village_across_the_reform()
    url = f"/u/{commune.id}/feed.atom?lang=en"
    links = [entry.link for entry in parsed(client, url).entries]
    assert not any("date=2025-09-30" in link for link in links)
    assert len(links) == commune.coverage.count() - 1  # every date but the first

    expected = continue_only(commune, old_commune)
    feed = parsed(client, url)
    first = f"http://testserver/u/{commune.id}/?date=2025-09-30&compare=2025-06-30"
    assert [entry.link for entry in feed.entries] == [*links, first]  # the others unchanged
    assert village in set().union(*expected.values())
    assert listed(feed.entries[-1].summary) == expected
    assert (
        f"Up to 30/06/2025, the figures are those of {old_commune.name} before the "
        "reorganisation of administrative units."
    ) in text(feed.entries[-1].summary)


def test_the_site_feed_has_todays_provinces_first_date_and_the_old_provinces_as_they_were(
    client, demo
):
    """The old province continues none: its entries (and their ids) stay each of its dates
    against its own date before, in its feed and in the site's."""
    old, new = dien_bien(), dien_bien(Scheme.GSO2025)
    dates = [c.period.date for c in old.coverage.select_related("period").order_by("period__date")]
    own = [
        f"http://testserver/u/{old.id}/?date={date}&compare={before}"
        for before, date in reversed(list(zip(dates, dates[1:], strict=False)))
    ]
    feed = parsed(client, f"/u/{old.id}/feed.atom?lang=en")
    assert [entry.id for entry in feed.entries] == own
    assert not any("reorganisation" in entry.summary for entry in feed.entries)

    site = [entry.id for entry in parsed(client, "/feed.atom?lang=en").entries]
    assert f"http://testserver/u/{new.id}/?date=2025-09-30&compare=2025-06-30" in site
    of_old = [link for link in site if link.startswith(f"http://testserver/u/{old.id}/?")]
    assert of_old == own[: len(of_old)] and of_old
    assert len(site) == SITE_FEED_ENTRIES == len(of_old) + new.coverage.count()
