"""The site's own 400/403/404/500 pages with DEBUG off (the test settings): translated, saying
what was wrong in the view's own words, linking back; JSON under /api/."""

import datetime
import re

import pytest
from django.test import Client

from units.domain.names import unit_sort_key
from units.models import Level, Scheme, Unit

pytestmark = pytest.mark.django_db


def fetch(client: Client, url: str, language: str):
    client.cookies["django_language"] = language
    return client.get(url)


def message_of(response) -> str:
    html = response.content.decode()
    match = re.search(r'id="error-message">(.*?)</p>', html, re.S)
    assert match, html[:500]
    return match.group(1).strip()


@pytest.fixture
def province() -> Unit:
    return Unit.objects.create(
        scheme=Scheme.GSO2004,
        level=Level.PROVINCE,
        code="11",
        name="Tỉnh Điện Biên",
        name_key="tinh dien bien",
        sort_key=unit_sort_key("Tỉnh Điện Biên", Level.PROVINCE),
        valid_from=datetime.date(2004, 1, 1),
        valid_to=datetime.date(2025, 6, 30),
    )


@pytest.mark.parametrize(
    ("language", "title", "message"),
    [
        ("vi", "Không tìm thấy trang", "Không có tỉnh, huyện hay xã nào mang số này."),
        ("en", "Page not found", "No province, district or commune has this number."),
    ],
)
def test_unknown_unit_is_a_translated_404_that_links_home(client, language, title, message):
    response = fetch(client, "/u/999999/", language)
    assert response.status_code == 404
    html = response.content.decode()
    assert f'<h1 id="error-h">{title}</h1>' in html
    assert message_of(response) == message
    assert 'id="error-home" href="/"' in html
    assert "Not Found" not in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [("vi", "Không phải ngày: 20x7"), ("en", "Not a date: 20x7")],
)
def test_a_bad_date_says_which_value_was_wrong(client, province, language, expected):
    response = fetch(client, f"/u/{province.id}/?date=20x7", language)
    assert response.status_code in (400, 404)  # 404 until unit pages answer bad dates with 400
    assert message_of(response).startswith(expected)


def test_an_address_that_matches_no_route(client):
    response = fetch(client, "/no/such/page/", "en")
    assert response.status_code == 404
    assert message_of(response) == "There is no page at this address."


def test_an_unknown_target_names_what_was_asked(client):
    response = fetch(client, "/targets/nothing-here/", "en")
    assert response.status_code == 404
    assert message_of(response) == "No target is named “nothing-here”."


@pytest.mark.urls("tests.partystats.error_urls")
@pytest.mark.parametrize(
    ("language", "title"),
    [("vi", "Địa chỉ yêu cầu điều trang này không thể hiển thị"), ("en", "The address asks")],
)
def test_bad_query_is_a_400_with_the_views_message_and_a_link_back(client, language, title):
    response = fetch(client, "/test-errors/bad-query/?date=20x7", language)
    assert response.status_code == 400
    html = response.content.decode()
    assert title in html
    assert message_of(response) == "Không phải ngày: 20x7"
    assert 'id="error-back" href="/test-errors/bad-query/"' in html


@pytest.mark.urls("tests.partystats.error_urls")
def test_suspicious_requests_never_echo_what_was_sent(client):
    response = fetch(client, "/test-errors/suspicious/", "en")
    assert response.status_code == 400
    assert "secret" not in response.content.decode()
    assert message_of(response) == "The request could not be understood."


@pytest.mark.urls("tests.partystats.error_urls")
@pytest.mark.parametrize(
    ("language", "title"),
    [("vi", "Đã có lỗi ở phía chúng tôi"), ("en", "Something went wrong on our side")],
)
def test_a_crash_is_a_translated_500_page(language, title):
    client = Client(raise_request_exception=False)
    response = fetch(client, "/test-errors/broken/", language)
    assert response.status_code == 500
    assert title in response.content.decode()
    assert "a bug" not in response.content.decode()


@pytest.mark.urls("tests.partystats.error_urls")
def test_api_errors_are_json(client):
    response = fetch(client, "/api/v1/nothing", "en")
    assert response.status_code == 404
    assert response.json() == {"error": "There is no page at this address."}
    response = fetch(client, "/api/test-errors/bad-query/", "en")
    assert response.status_code == 400
    assert response.json() == {"error": "Không phải ngày: 20x7"}
