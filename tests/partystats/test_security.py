"""Hardening: the public site is read-only, staff pages need a log-in, headers, login throttling.

The public URLs are read from the URL resolver, so a new public route is covered the day it is
added (a route whose parameters this file cannot fill fails the test until it is taught them).
Writes are sent without CSRF enforcement: the CSRF token is no defence against an anonymous
visitor, who can always fetch one, so each view must refuse the method itself.
"""

import itertools
import json
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from imports.models import ImportRun
from tests.demo_snapshot import dien_bien
from tests.partystats.test_settings import PRODUCTION_ENV, run_python
from units.models import DataVersion, Scheme, Unit, Village
from units.reads.targets import TARGETS

pytestmark = pytest.mark.django_db

NOT_PUBLIC = ("admin/", "accounts/", "import/")
WRITE_METHODS = ("post", "put", "patch", "delete")
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
# Query strings worth trying on a route besides the bare URL ({name} is a sample value).
EXTRA_QUERIES = {
    "coverage": ["format=csv", "format=xlsx", "format=json", "date=2017-12-31&group=district"],
    "api-figures": ["unit={unit_id}&date=2017-12-31"],
    "search": ["q=huoi+ha"],
}
PASSWORD = "correct horse battery staple"


# ----------------------------------------------------------------------------- helpers


def routes(resolver=None, prefix: str = "", namespace: str = ""):
    """(route, name, pattern) for every URL the project serves, includes flattened."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry, route, inner)
        else:
            yield route, f"{namespace}{entry.name}" if entry.name else None, entry.pattern


def fill(route: str, samples: dict[str, list[str]]) -> list[str]:
    """Every URL a route gives with the sample values of its parameters."""
    names = PARAMETER.findall(route)
    missing = [name for name in names if name not in samples]
    assert not missing, (
        f"teach tests/partystats/test_security.py a sample value for {missing} ({route})"
    )
    urls = []
    for values in itertools.product(*(samples[name] for name in names)):
        chosen = dict(zip(names, values, strict=True))
        urls.append("/" + PARAMETER.sub(lambda match, c=chosen: c[match.group(1)], route))
    return urls


def row_counts() -> dict[str, int]:
    """Rows in every table the project has (auth, sessions and axes included)."""
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }
    counts["data version"] = DataVersion.current().number
    return counts


def answered_without_writing(response) -> bool:
    return response.status_code in (403, 405) or 300 <= response.status_code < 400


def send(client: Client, method: str, url: str):
    if method == "post":
        return client.post(url, {"name": "x", "value": "1", "confirm": "1"})
    return getattr(client, method)(url, data="name=x&value=1", content_type="text/plain")


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture
def samples(demo) -> dict[str, list[str]]:
    province = dien_bien()
    commune = Unit.objects.get(scheme=Scheme.GSO2004, name="Xã Mường Tùng")
    village = Village.objects.get(name="Bản Nậm Cang 1")
    run = ImportRun.objects.order_by("pk").first()
    return {
        "unit_id": [str(province.id), str(commune.id)],
        "village_id": [str(village.id)],
        "slug": list(TARGETS),
        "chart_name": ["villages", "members"],
        "run_id": [str(run.pk if run else 1)],
        "token": ["0123456789abcdef" * 4],
        # The language switch: a GET that sets only the visitor's own cookie, refuses writes.
        "language": ["en", "vi"],
    }


@pytest.fixture
def public_urls(samples) -> list[str]:
    urls = []
    for route, name, pattern in routes():
        if route.startswith(NOT_PUBLIC):
            continue
        assert isinstance(pattern, RoutePattern), f"public route {route!r} is not a path()"
        for url in fill(route, samples):
            urls.append(url)
            for query in EXTRA_QUERIES.get(name, []):
                urls.append(f"{url}?{query.format(unit_id=samples['unit_id'][0])}")
    return urls


@pytest.fixture
def import_urls(samples) -> list[str]:
    found = [fill(route, samples) for route, _, _ in routes() if route.startswith("import/")]
    return list(itertools.chain.from_iterable(found))


@pytest.fixture
def admin_urls() -> list[str]:
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            for view in ("change", "delete", "history"):
                urls.append(
                    reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[first.pk])
                )
    return urls


@pytest.fixture
def staff() -> User:
    user = User.objects.create_user("staff", password=PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="run_import"))
    return user


# ----------------------------------------------------------------------------- (a) read-only


def test_the_resolver_walk_finds_the_known_public_urls(public_urls, samples):
    unit, village = samples["unit_id"][0], samples["village_id"][0]
    expected = {
        "/",
        f"/u/{unit}/",
        f"/v/{village}/",
        "/coverage/",
        "/coverage/?format=csv",
        "/coverage/?format=xlsx",
        "/coverage/?format=json",
        "/search/",
        "/targets/",
        "/api/v1/units",
        "/api/v1/figures",
    }
    expected |= {f"/targets/{slug}/" for slug in TARGETS}
    expected |= {f"/u/{unit}/feed.atom", "/feed.atom", f"/embed/u/{unit}/villages/"}
    assert expected <= set(public_urls)
    assert not [url for url in public_urls if url.startswith(tuple("/" + p for p in NOT_PUBLIC))]


def test_every_public_url_reads_with_get(client, public_urls):
    """The sample values are real: each URL serves a page, so the refusals below mean something."""
    failing = {}
    for url in public_urls:
        response = client.get(url, follow=True)
        status = response.status_code
        if status != 200 and not (url == "/api/v1/figures" and status == 400):
            failing[url] = status
    assert failing == {}


def test_anonymous_writes_to_public_urls_are_refused_and_change_nothing(public_urls):
    client = Client()  # no CSRF enforcement: see the module docstring
    before = row_counts()
    accepted = {}
    for url, method in itertools.product(public_urls, WRITE_METHODS):
        response = send(client, method, url)
        if not answered_without_writing(response):
            accepted[f"{method.upper()} {url}"] = response.status_code
    assert row_counts() == before
    assert accepted == {}, "public URLs that did not refuse a write (403, 405 or a redirect)"


# ----------------------------------------------------------------------------- (b) staff pages


def test_import_and_admin_urls_send_an_anonymous_visitor_to_log_in(import_urls, admin_urls):
    assert len(import_urls) >= 9 and "/import/" in import_urls
    client = Client()
    before = row_counts()
    wrong = {}
    for url, method in itertools.product(import_urls + admin_urls, ("get", *WRITE_METHODS)):
        response = send(client, method, url) if method != "get" else client.get(url)
        login = reverse("admin:login") if url.startswith("/admin/") else reverse("login")
        location = response.headers.get("Location", "")
        if response.status_code != 302 or not location.startswith(f"{login}?next="):
            wrong[f"{method.upper()} {url}"] = (response.status_code, location)
    assert wrong == {}
    assert row_counts() == before


# ----------------------------------------------------------------------------- (c) headers


def test_a_public_page_carries_the_security_headers(client, samples):
    pages = (f"/u/{samples['unit_id'][0]}/", "/coverage/", "/coverage/?format=csv", "/api/v1/units")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = dict(
            (part.strip().split(" ", 1) + [""])[:2]
            for part in response["Content-Security-Policy"].split(";")
        )
        assert policy["script-src"] == "'self'", url
        assert (
            "unsafe-inline" not in policy["script-src"]
            and "unsafe-eval" not in policy["script-src"]
        )
        assert policy["default-src"] == "'self'"
        assert policy["style-src"] == "'self'"
        assert policy["object-src"] == "'none'"
        assert policy["frame-ancestors"] == "'none'"
        assert policy["base-uri"] == "'none'"
        assert policy["form-action"] == "'self'"
        assert policy["img-src"] == "'self' data:"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# ----------------------------------------------------------------------------- (d) throttling


def log_in(client: Client, password: str, username: str = "staff", url: str | None = None):
    return client.post(url or reverse("login"), {"username": username, "password": password})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_failed_logins_lock_the_username_and_address_out(staff, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5 and settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    client = Client(REMOTE_ADDR="203.0.113.7")

    for _ in range(limit - 1):
        response = log_in(client, "wrong")
        assert response.status_code == 200  # the form again, with its error
    locked = log_in(client, "wrong")
    assert locked.status_code == 429
    assert "registration/lockout.html" in [t.name for t in locked.templates]
    assert "15" in locked.content.decode()

    # The right password is refused now, on the site's form and on the admin's.
    assert log_in(client, PASSWORD).status_code == 429
    assert log_in(client, PASSWORD, url=reverse("admin:login")).status_code == 429
    assert not logged_in(client)

    # Only that username from that address: another address logs in, another name is not locked.
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    assert log_in(elsewhere, PASSWORD).status_code == 302 and logged_in(elsewhere)
    assert log_in(client, "wrong", username="someone-else").status_code == 200
    assert log_in(client, PASSWORD).status_code == 429

    # Fifteen quiet minutes later the lock has ended.
    later = timezone.now() + timedelta(minutes=16)
    with mock.patch("axes.handlers.proxy.now", return_value=later):
        response = log_in(client, PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_a_try_during_the_lock_restarts_the_wait(staff, settings):
    client = Client(REMOTE_ADDR="203.0.113.9")
    start = timezone.now()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong")
    with mock.patch("axes.handlers.proxy.now", return_value=start + timedelta(minutes=10)):
        assert log_in(client, PASSWORD).status_code == 429
    with mock.patch("axes.handlers.proxy.now", return_value=start + timedelta(minutes=20)):
        assert log_in(client, PASSWORD).status_code == 429
    with mock.patch("axes.handlers.proxy.now", return_value=start + timedelta(minutes=36)):
        assert log_in(client, PASSWORD).status_code == 302


def test_a_success_before_the_limit_clears_the_count(staff, settings):
    client = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, PASSWORD).status_code == 302


# ----------------------------------------------------------------------------- (e) production

PRINT_SECURITY = """
import django, json
django.setup()
from django.conf import settings as s
print(json.dumps({
    name: getattr(s, name)
    for name in (
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT",
        "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS",
        "MIDDLEWARE", "AUTHENTICATION_BACKENDS", "AXES_ENABLED",
    )
}))
"""

PRINT_CLIENT_IP = """
import django
django.setup()
from django.conf import settings
from django.test import RequestFactory
request = RequestFactory().get(
    "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4, 10.0.0.1"
)
print(settings.AXES_CLIENT_IP_CALLABLE(request))
"""


def test_production_cookies_are_secure_and_the_defences_are_on():
    result = run_python(["-c", PRINT_SECURITY], PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert "csp.middleware.CSPMiddleware" in values["MIDDLEWARE"]
    assert values["MIDDLEWARE"][-1] == "axes.middleware.AxesMiddleware"
    assert values["AUTHENTICATION_BACKENDS"][0] == "axes.backends.AxesStandaloneBackend"
    assert values["AXES_ENABLED"] is True


@pytest.mark.parametrize(
    ("proxies", "address"), [("0", "10.0.0.2"), ("1", "10.0.0.1"), ("2", "198.51.100.4")]
)
def test_production_throttles_on_the_address_the_trusted_proxies_saw(proxies, address):
    """A forged X-Forwarded-For entry (6.6.6.6) is never taken for the visitor's address."""
    result = run_python(["-c", PRINT_CLIENT_IP], {**PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": proxies})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == address
