"""Every URL kind's query count, pinned (issue 10): a page that starts asking more of the
database shows here first. Counted through the whole middleware stack, the data version's query
included; the page cache is off (the test settings), so each request is a full render.

When a change adds or removes a query on purpose, update the count and say why in the commit.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.demo_snapshot import dien_bien
from units.models import Level, Scheme, Unit, Village

pytestmark = pytest.mark.django_db
DATE = "2017-12-31"


def unit(level: str, name: str) -> Unit:
    return Unit.objects.get(scheme=Scheme.GSO2004, level=level, name=name)


@pytest.fixture
def urls(demo) -> dict[str, str]:
    province = dien_bien()
    district = unit(Level.DISTRICT, "Huyện Mường Chà")
    commune = unit(Level.COMMUNE, "Xã Mường Tùng")
    village = Village.objects.get(name="Bản Nậm Cang 1")
    table = f"/coverage/?date={DATE}&group=village&province={province.id}&status=joined"
    return {
        "province": f"/u/{province.id}/?date={DATE}",
        "today's province": f"/u/{dien_bien(Scheme.GSO2025).id}/?date=2025-09-30",
        "district": f"/u/{district.id}/?date={DATE}",
        "commune": f"/u/{commune.id}/?date={DATE}",
        "village": f"/v/{village.id}/",
        "coverage": table,
        "CSV": table + "&format=csv",
        "JSON": table + "&format=json",
        "API": f"/api/v1/figures?unit={district.id}&date={DATE}",
        "province feed": f"/u/{province.id}/feed.atom",
        "today's province feed": f"/u/{dien_bien(Scheme.GSO2025).id}/feed.atom",
        "site feed": "/feed.atom",
    }


# Each count includes the data version's query. The exports have no totals query (the CSV's
# totals row and the JSON's totals are summed from the rows of a table of one chunk); the HTML table
# adds its totals and its place lists. A unit page reads its village figures at its three dates
# (now, compared with, a year before) at once and its children with their coverage in one
# query, and its published figures (at its date, on its charts, at other dates) in one query
# with their dates and sources; a village page its merges both ways at once. Today's province
# on its first date reads its village lists' earlier dates (30/6/2025, a year before) under the
# province it continues: one query more. Whether the figures shown are synthetic comes with
# their coverage (Coverage.synthetic), whether the site holds any with the data version. A
# unit page with a previous date counts the villages merged, begun or ended since it, at once
# (units.reads.village_lives: the note beside the change since then), and with a baseline before
# the previous date (31/12/2015) since that too: one query more.
# A feed reads which unit its unit continues one to one, the dates of both, the village figures
# of every date its entries compare (at once, each date once, those before its first date under
# the unit it continues), then the names of the villages that changed, all entries' at once
# (none when none did). The site's feed reads the provinces, which each continues and all their
# dates, then only the entries it shows, as a unit's feed does.
QUERIES = {
    "province": 15,
    "today's province": 14,
    "district": 13,
    "commune": 14,
    "village": 6,
    "coverage": 10,
    "CSV": 4,
    "JSON": 4,
    "API": 8,
    "province feed": 6,
    "today's province feed": 6,
    "site feed": 6,
}


@pytest.mark.parametrize("kind", list(QUERIES))
def test_query_count(client, urls, kind):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(urls[kind])
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    assert len(queries.captured_queries) == QUERIES[kind], "\n".join(
        query["sql"][:120] for query in queries.captured_queries
    )
