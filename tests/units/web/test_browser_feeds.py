"""A person follows the feed link of a unit page in Chromium; what the browser gets is an Atom
feed that a feed reader (feedparser) reads, in the page's language."""

import feedparser
import pytest

from units.models import Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


VI = ("Theo dõi các thay đổi này: nguồn tin Atom", "Những thay đổi ở các thôn, bản của Huyện")
EN = ("Follow these changes: Atom feed", "Changes in the villages of Huyện Mường Chà")


@pytest.mark.parametrize(("link", "title"), [VI, EN])
def test_the_feed_link_gives_a_feed_a_reader_parses(live_server, page, demo_loaded, link, title):
    district = Unit.objects.get(name="Huyện Mường Chà")
    page.goto(f"{live_server.url}/u/{district.id}/?date=2017-12-31")
    if link.startswith("Follow"):
        page.get_by_role("link", name="English").click()
    href = page.get_by_role("link", name=link).get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo and feed.feed.title.startswith(title)
    entry = next(e for e in feed.entries if "date=2017-12-31" in e.link)
    page.goto(entry.link)
    assert page.locator("h1").inner_text() == "Huyện Mường Chà"
    assert page.locator("#changes-h").is_visible()
