"""After an import commits, the pages most visitors open first are already in the page cache
(issue 10): warmed outside the import's transaction, under the version it committed, never when
it rolls back, and never stale (units.web.warm).

Transactional tests: the warming runs in a thread of its own, on a connection of its own, which
sees only what was committed, as another worker would.
"""

import datetime
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from units.domain.coverage import coverage_rebuild, period_for_date
from units.models import Status, VillageFigure
from units.web import warm

pytestmark = pytest.mark.django_db(transaction=True)
DATE = datetime.date(2017, 12, 31)


@pytest.fixture
def page_cache(page_cache, settings):
    """tests/partystats/conftest.py's, warmed (locmem:// is not warmed by default)."""
    settings.PAGE_CACHE_WARM_ORIGIN = "http://testserver"  # the test client's host
    settings.PAGE_CACHE_WARM_PAGES = 500  # whatever the cache
    return page_cache


def report(place, members: int) -> None:
    """A village report for 31/12/2017, written and committed as an import does: figures,
    coverage, the version bumped, in one transaction."""
    with transaction.atomic():
        period = period_for_date(DATE)
        VillageFigure.objects.filter(period=period).delete()
        for village in place.villages.values():
            commune = village.placements.order_by("valid_from").first().commune
            VillageFigure.objects.create(
                village=village,
                period=period,
                commune=commune,
                district=commune.parent,
                status=Status.OWN_CELL if members >= 3 else Status.JOINED,
                members=members,
            )
        coverage_rebuild(periods=[period])


def warmed() -> None:
    """Wait for the warming the last commit started."""
    assert warm.warming is not None, "no warming started"
    warm.warming.join(timeout=120)
    assert not warm.warming.is_alive()


def from_cache(client, url: str) -> bytes:
    """The page, asserting it came from the cache: no template, one query (the version)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    assert response.templates == [] and len(queries.captured_queries) == 1, url
    return response.content


def members_shown(html: bytes) -> str:
    return re.search(r"<dt>[^<]*</dt><dd[^>]*>([^<]*)</dd></div>\s*</dl>", html.decode()).group(1)


def test_the_first_visitor_gets_pages_warmed_after_the_commit(client, page_cache, province):
    report(province, members=5)
    warmed()
    district = province.muong_cha
    for url in (
        f"/u/{province.province.id}/",
        f"/u/{province.province.id}/?date={DATE}",
        f"/u/{district.id}/?date={DATE}",
        f"/u/{province.muong_tung.id}/?date={DATE}",
        "/coverage/",
    ):
        from_cache(client, url)
    assert warm.warm_paths()[0] == "/coverage/"


def test_the_next_import_warms_its_own_figures(client, page_cache, province):
    url = f"/u/{province.province.id}/?date={DATE}"
    report(province, members=5)
    warmed()
    assert members_shown(from_cache(client, url)) == "25"  # five villages of 5
    report(province, members=7)
    warmed()
    assert members_shown(from_cache(client, url)) == "35"


def test_a_rolled_back_write_warms_nothing(page_cache, province):
    report(province, members=5)
    warmed()
    before = warm.warming
    with transaction.atomic():
        coverage_rebuild(periods=[period_for_date(DATE)])
        transaction.set_rollback(True)
    assert warm.warming is before


def test_two_bumps_in_one_transaction_warm_once(page_cache, province):
    report(province, members=5)
    warmed()
    before = warm.warming
    with transaction.atomic():
        coverage_rebuild(periods=[period_for_date(DATE)])
        coverage_rebuild(periods=[period_for_date(DATE)])
    warmed()
    assert warm.warming is not before
    started = warm.warming
    warm.warm_on_commit(sender=None)  # the same version again: nothing new
    assert warm.warming is started


def test_no_warming_without_a_page_cache(settings, province):
    settings.PAGE_CACHE_SECONDS = 0
    before = warm.warming
    report(province, members=5)
    assert warm.warming is before
