"""HTTP caching keyed to the data version: revalidation is cheap, a new import shows at once."""

import pytest
from django.contrib.auth.models import User

from tests.demo_snapshot import dien_bien
from units.domain.coverage import data_version_bump

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_url(demo) -> str:
    province = dien_bien()
    return f"/u/{province.id}/?date=2017-12-31"


def test_a_page_revalidates_to_304_until_the_data_changes(client, province_url):
    first = client.get(province_url)
    etag = first["ETag"]
    assert first.status_code == 200 and "must-revalidate" in first["Cache-Control"]
    assert first["Last-Modified"]
    again = client.get(province_url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    data_version_bump()  # what every import transaction does
    after = client.get(province_url, HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200 and after["ETag"] != etag


def test_the_etag_differs_by_language_and_by_url(client, province_url):
    vietnamese = client.get(province_url)["ETag"]
    assert client.get(province_url.replace("2017-12-31", "2016-12-31"))["ETag"] != vietnamese
    client.cookies["django_language"] = "en"
    assert client.get(province_url)["ETag"] != vietnamese


def test_exports_carry_the_same_validators(client, demo):
    response = client.get("/coverage/?date=2017-12-31&group=district&format=csv")
    assert response.status_code == 200 and response["ETag"]
    assert (
        client.get(
            "/coverage/?date=2017-12-31&group=district&format=csv",
            HTTP_IF_NONE_MATCH=response["ETag"],
        ).status_code
        == 304
    )


def test_signed_in_staff_are_never_served_from_a_shared_cache(client, province_url):
    client.force_login(User.objects.create_user("staff", password="x"))
    response = client.get(province_url)
    assert "ETag" not in response and "public" not in response.get("Cache-Control", "")


def test_errors_are_not_cached(client, demo):
    response = client.get("/u/999999/")
    assert response.status_code == 404 and "ETag" not in response
