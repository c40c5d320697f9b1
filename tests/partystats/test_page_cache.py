"""The page cache: anonymous visitors get the page rendered for the same data version, language
and URL; an import shows at once; staff, cookies and errors never go through it.

The suite runs with PAGE_CACHE_SECONDS = 0 (every other test counts the queries of a render);
here the `page_cache` fixture turns it on, as production does, with an empty cache.
"""

import os
import re
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import Client, RequestFactory
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext

from partystats.middleware import data_version_read, page_cache_key
from partystats.settings.base import cache_from_url
from units.domain.coverage import data_version_bump
from units.models import Coverage, Unit, Village

pytestmark = pytest.mark.django_db

CSV = "/coverage/?date=2017-12-31&group=district&format=csv"


@pytest.fixture
def province_url(demo_province) -> str:
    return f"/u/{demo_province.id}/?date=2017-12-31"


def fetch(client: Client, url: str, **headers):
    """The response and the SQL it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, [query["sql"] for query in queries.captured_queries]


def served_from_cache(response, queries: list[str]) -> bool:
    """Nothing rendered, and the one query is the data version's."""
    return (
        response.templates == []
        and len(queries) == 1
        and "units_dataversion" in queries[0]
        and response.status_code == 200
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def no_member_figure(response) -> str:
    match = re.search(r'id="fig-white">([^<]*)<', response.content.decode())
    return match.group(1)


# ----------------------------------------------------------------------------- hits


def test_a_second_get_is_served_from_the_cache(client, page_cache, province_url):
    first, rendering = fetch(client, province_url)
    assert first.status_code == 200 and first.templates and len(rendering) > 5
    again, queries = fetch(client, province_url)
    assert served_from_cache(again, queries)
    assert again.content == first.content
    for header in ("ETag", "Last-Modified", "Cache-Control", "Content-Language", "Vary"):
        assert again[header] == first[header], header
    # The outer middleware still adds the security headers to a page from the cache.
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert again["X-Frame-Options"] == "DENY" and again["X-Content-Type-Options"] == "nosniff"
    assert int(again["Content-Length"]) == len(first.content)


def test_head_and_revalidation_cost_one_query(client, page_cache, province_url):
    first = client.get(province_url)
    with CaptureQueriesContext(connection) as queries:
        head = client.head(province_url)
        not_modified = client.get(province_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert head.status_code == 200 and head["Content-Length"] == str(len(first.content))
    assert not_modified.status_code == 304 and not_modified["ETag"] == first["ETag"]
    assert len(queries.captured_queries) == 2


# ----------------------------------------------------------------------------- imports


def test_an_import_shows_at_once(client, page_cache, demo_province, province_url):
    assert no_member_figure(client.get(province_url)) == "23 trên 1.813"
    Coverage.objects.filter(unit=demo_province, period__date="2017-12-31").update(
        no_members=F("no_members") + 1, own_cell=F("own_cell") - 1
    )
    # Unchanged version, unchanged key: this is why every import bumps the version.
    assert no_member_figure(client.get(province_url)) == "23 trên 1.813"
    data_version_bump()  # what every import does inside its transaction
    fresh = client.get(province_url)
    assert fresh.templates and no_member_figure(fresh) == "24 trên 1.813"
    assert served_from_cache(*fetch(client, province_url))


def test_load_units_changing_a_name_shows_at_once(client, page_cache, demo_province):
    """`manage.py load_units` bumps the version when it changes a unit, as an import does."""
    district = demo_province.children.get(code="097")
    url = f"/u/{district.id}/?date=2017-12-31"
    Unit.objects.filter(pk=district.pk).update(name="Huyện Tên Cũ")
    data_version_bump()  # the name as an older load of the fixtures left it
    assert "Huyện Tên Cũ" in client.get(url).content.decode()
    assert served_from_cache(*fetch(client, url))
    call_command("load_units", "--province", "11", stdout=StringIO())
    fresh, _ = fetch(client, url)
    assert fresh.templates, "rendered afresh for the new version"
    assert "Huyện Mường Chà" in fresh.content.decode()
    assert "Huyện Tên Cũ" not in fresh.content.decode()


def test_a_page_rendered_while_an_import_commits_is_kept_under_the_old_version(
    client, page_cache, province_url
):
    """The version is read before the view: a render that may mix in the new figures is stored
    under the version read first, which nobody asks for once the import has committed."""

    def import_commits(**kwargs):
        template_rendered.disconnect(import_commits)
        data_version_bump()

    template_rendered.connect(import_commits)
    try:
        client.get(province_url)
    finally:
        template_rendered.disconnect(import_commits)
    after, _ = fetch(client, province_url)
    assert after.templates, "rendered afresh for the new version, not taken from the cache"


# ----------------------------------------------------------------------------- the key


def test_the_language_is_part_of_the_key(client, page_cache, province_url):
    vietnamese = client.get(province_url)
    client.cookies["django_language"] = "en"
    english, _ = fetch(client, province_url)
    assert english.templates and english.content != vietnamese.content
    assert '<html lang="en">' in english.content.decode()
    assert no_member_figure(english) == "23 of 1,813"
    again, queries = fetch(client, province_url)
    assert served_from_cache(again, queries) and again.content == english.content
    client.cookies["django_language"] = "vi"
    assert client.get(province_url).content == vietnamese.content


def test_the_host_is_part_of_the_key(client, page_cache, demo):
    """Exports name the page they come from with its absolute URL (the CSV in its Link header,
    the JSON in its body)."""
    here = client.get(CSV)
    elsewhere = client.get(CSV, HTTP_HOST="localhost")
    assert "<http://testserver/coverage/" in here["Link"]
    assert "<http://localhost/coverage/" in elsewhere["Link"]
    json_url = CSV.replace("format=csv", "format=json")
    assert b"http://localhost/coverage/" in body(client.get(json_url, HTTP_HOST="localhost"))
    assert b"http://testserver/coverage/" in body(client.get(json_url))


# ----------------------------------------------------------------------------- exports


def test_a_small_streamed_export_is_stored_and_sent_whole(client, page_cache):
    first = client.get(CSV)
    csv = body(first)
    assert first["Content-Length"] == str(len(csv)) and csv.startswith("\ufeff".encode())
    again, queries = fetch(client, CSV)
    assert served_from_cache(again, queries) and again.content == csv
    assert again["Content-Disposition"] == first["Content-Disposition"]


def test_a_large_export_streams_and_is_not_stored(client, page_cache, settings):
    settings.PAGE_CACHE_MAX_BYTES = 500
    first = client.get(CSV)
    csv = body(first)
    assert len(csv) > 500 and "Content-Length" not in first
    again, queries = fetch(client, CSV)
    assert len(queries) > 1 and body(again) == csv


# ----------------------------------------------------------------------------- never cached


def test_signed_in_staff_neither_get_nor_fill_the_cache(client, page_cache, province_url):
    staff = User.objects.create_user("staff", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="run_import"))
    signed_in = Client()
    signed_in.force_login(staff)
    assert 'class="staff-link"' in signed_in.get(province_url).content.decode()
    anonymous, _ = fetch(client, province_url)
    assert anonymous.templates, "the staff page was not stored"
    assert 'class="staff-link"' not in anonymous.content.decode()
    again, _ = fetch(signed_in, province_url)
    assert again.templates and 'class="staff-link"' in again.content.decode()


def test_errors_are_not_stored(client, page_cache):
    for _ in range(2):
        response, queries = fetch(client, "/u/999999/")
        assert response.status_code == 404 and len(queries) > 1


def test_anonymous_public_pages_set_no_cookie(page_cache, demo_province):
    village = Village.objects.get(name="Bản Nậm Cang 1")
    urls = [
        f"/u/{demo_province.id}/",
        f"/v/{village.id}/",
        "/coverage/",
        CSV,
        "/coverage/?format=json",
        "/coverage/?format=xlsx",
        "/search/?q=huoi+ha",
        "/targets/",
        "/api/v1/units",
    ]
    client = Client()
    for url in urls * 2:  # rendered, then from the cache
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, url
        assert "public" in response["Cache-Control"] and "Cookie" in response["Vary"], url
    assert b"csrfmiddlewaretoken" not in client.get(f"/u/{demo_province.id}/").content


# ----------------------------------------------------------------------------- language links


def test_the_language_link_sets_the_cookie_and_goes_back(client, province_url):
    html = client.get(province_url).content.decode()
    link = re.search(r'<a href="(/language/en/\?next=[^"]+)"', html).group(1)
    assert link == "/language/en/?next=" + province_url.replace("?", "%3F").replace("=", "%3D")
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == province_url
    assert response.cookies["django_language"].value == "en"
    assert "no-store" in response["Cache-Control"]
    english = client.get(response["Location"])
    assert '<html lang="en">' in english.content.decode()


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example",
        "https://evil.example/u/1/",
        "//evil.example/u/1/",
        "http://evil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_the_language_link_never_leaves_the_site(client, next_url):
    response = client.get("/language/en/", {"next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies["django_language"].value == "en"


def test_an_unknown_language_is_not_found(client):
    response = client.get("/language/fr/?next=/")
    assert response.status_code == 404 and not response.cookies


def test_the_language_link_only_reads(client):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/language/en/?next=/")
        assert response.status_code == 405 and not response.cookies


def test_a_cache_that_is_down_costs_a_render_not_an_error(client, page_cache, province_url):
    with mock.patch.object(page_cache, "get", side_effect=ConnectionError("cache down")):
        with mock.patch.object(page_cache, "set", side_effect=ConnectionError("cache down")):
            response = client.get(province_url)
    assert response.status_code == 200 and response.templates


# ----------------------------------------------------------------------------- CACHE_URL


def test_pages_are_stored_in_the_cache_cache_url_names(client, page_cache, province_url, settings):
    """With CACHE_URL=redis://… (.ci/run, scripts/redis_test_server.sh) the page goes to that
    server: a client of its own, as another worker or host would have, finds it there. A Redis
    that cannot be reached fails here, instead of leaving every other test to pass on renders."""
    named = cache_from_url(os.environ.get("CACHE_URL", "locmem://"), max_entries=10)
    assert f"{type(page_cache).__module__}.{type(page_cache).__name__}" == named["BACKEND"]
    page = client.get(province_url)
    key = page_cache_key(RequestFactory().get(province_url), data_version_read(), "vi")
    another = caches.create_connection(settings.PAGE_CACHE_ALIAS)
    assert another is not page_cache
    headers, body = another.get(key)
    assert body == page.content and ("ETag", page["ETag"]) in headers


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("locmem://", "locmem.LocMemCache", "partystats"),
        ("redis://cache:6379/1", "redis.RedisCache", "redis://cache:6379/1"),
        ("rediss://:secret@cache:6380/0", "redis.RedisCache", "rediss://:secret@cache:6380/0"),
        ("memcached://a:11211,b:11211", "memcached.PyMemcacheCache", ["a:11211", "b:11211"]),
    ],
)
def test_cache_url_names_the_backend(url, backend, location):
    entry = cache_from_url(url, max_entries=10)
    assert entry["BACKEND"] == f"django.core.cache.backends.{backend}"
    assert entry["LOCATION"] == location


def test_an_unknown_cache_url_is_refused():
    with pytest.raises(ValueError, match="unknown scheme 'mongodb'"):
        cache_from_url("mongodb://x", max_entries=10)
