"""SQLite: the pages that write and roll back take their turn with the writers
(units.domain.transactions.trial_write).

The staff draft view (imports/draft_view.py) and the publish, withdraw and restore plans
(imports/publish_plan.py, imports/restore_plan.py) write, read what changed and roll back. On
Django's deferred `BEGIN` such a page, opened while an import was about to commit, read first,
then failed at its first write with "database is locked" (a 500). Now it waits at its `BEGIN`
for the import's commit and shows the figures after it; past the busy timeout it answers 503
with Retry-After (partystats.errors), not a 500.

As in tests/partystats/test_sqlite_writers.py, each side runs in a thread on a connection of its
own to a file copy of the test database: the import is held before its commit (`commit_held`)
until the page has asked for the write lock or, on a deferred `BEGIN`, has read. On PostgreSQL
writers wait for each other's rows: only SQLite is tested.
"""

from __future__ import annotations

import html
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections
from django.test import Client

from imports.draft_view import SESSION_KEY
from tests.gate import PUBLISHER, drafted, logged_in, published, staff_make
from tests.imports.test_publish import corrected_december
from tests.imports.test_publish import june_report as june_without_new_village
from tests.imports.test_publish_visibility import june_report
from tests.partystats.test_sqlite_writers import IMPORTED, Writer, commit_held, held_import
from tests.workbooks import small_province, village_report
from units.models import Village

pytestmark = [
    pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's write lock"),
    pytest.mark.django_db(transaction=True),
]
__all__ = ["commit_held"]  # the fixture, used by name
ADDED_IN_DECEMBER = "Bản Sửa Lại"  # the village the import held before its commit adds
# Once the page has asked for the write lock: time for it to be waiting inside SQLite when the
# import commits (what the tests check does not depend on it: a page that asks after the
# commit is not held up at all, and sees it the same).
WAITING = 0.2
BUSY_TIMEOUT = 0.2  # the page's, in the tests of a write lock never let go (Python's: 5 s)


class TurnAsked:
    """Execute wrapper of the page's connection: `asked` is set just before its `BEGIN
    IMMEDIATE`, or, on a deferred `BEGIN`, once its transaction has read (its snapshot taken)."""

    def __init__(self) -> None:
        self.asked = threading.Event()

    def __call__(self, execute, sql, params, many, context):
        if sql.startswith("BEGIN IMMEDIATE"):
            self.asked.set()
        result = execute(sql, params, many, context)
        if context["connection"].in_atomic_block:
            self.asked.set()
        return result


def opened(client: Client, url: str, turn: TurnAsked) -> Callable:
    def work():
        with connections["default"].execute_wrapper(turn):
            return client.get(url)

    return work


def staff_clients() -> tuple:
    importer = staff_make("importer")
    publisher = staff_make("publisher", PUBLISHER)
    published(village_report(), importer, publisher)  # 31/12/2017, which the import replaces
    return importer, publisher, logged_in(Client(), publisher)


def draft_view(importer, publisher, client) -> str:
    draft = drafted(june_report(), importer, name="june.xlsx")
    session = client.session
    session[SESSION_KEY] = draft.id  # as "View on the site" keeps it
    session.save()
    return "/coverage/?group=village&date=2017-12-31"


def publish_plan(importer, publisher, client) -> str:
    draft = drafted(june_report(), importer, name="june.xlsx")
    return f"/import/history/{draft.id}/publish/"


def withdraw_plan(importer, publisher, client) -> str:
    june = published(june_report(), importer, publisher, name="june.xlsx")
    return f"/import/history/{june.id}/withdraw/"


def restore_plan(importer, publisher, client) -> str:
    replaced = published(june_without_new_village(False), importer, publisher, name="june.xlsx")
    published(june_report(), importer, publisher, name="june-2.xlsx", replace=True)
    return f"/import/history/{replaced.id}/restore/"


PAGES = [draft_view, publish_plan, withdraw_plan, restore_plan]


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def committed_shown(response) -> bool:
    """Whether the page shows the village the held import added: the draft view in its
    table, a plan in its count of villages before."""
    if response.context is not None and "plan" in response.context:
        return response.context["plan"].villages[0] == Village.objects.count()
    return ADDED_IN_DECEMBER in page_text(response)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.__name__)
def test_a_page_opened_while_an_import_commits_waits_for_it(database_file, commit_held, page):
    small_province()
    importer, publisher, client = staff_clients()
    url = page(importer, publisher, client)
    villages = Village.objects.count()
    first = held_import(database_file, corrected_december(), replace=True)
    turn = TurnAsked()
    second = Writer(database_file, opened(client, url, turn))
    second.start()
    assert turn.asked.wait(timeout=30)
    time.sleep(WAITING)
    commit_held.released.set()
    for writer in (first, second):
        writer.join(timeout=30)
    assert first.result == IMPORTED
    response = second.result
    assert getattr(response, "status_code", response) == 200
    assert Village.objects.count() == villages + 1
    assert committed_shown(response)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.__name__)
def test_past_the_busy_timeout_a_page_asks_to_try_again(database_file, page):
    """Another connection keeps the write lock longer than the page's busy timeout: a 503
    that says so, to try again, never kept by a cache."""
    small_province()
    importer, publisher, client = staff_clients()
    url = page(importer, publisher, client)
    client.raise_request_exception = False  # the answer of the site's handler, not the error
    short = {**database_file, "OPTIONS": {**database_file["OPTIONS"], "timeout": BUSY_TIMEOUT}}
    with closing(sqlite3.connect(database_file["NAME"], isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        english = opened_elsewhere(short, client, url)
        client.cookies.pop(django_settings.LANGUAGE_COOKIE_NAME)
        vietnamese = opened_elsewhere(short, client, url)
        other.execute("ROLLBACK")
    assert getattr(english, "status_code", english) == 503
    assert english["Retry-After"] == "5"
    assert "no-store" in english["Cache-Control"]
    assert "Another import is being written; try again in a moment." in page_text(english)
    assert vietnamese.status_code == 503
    assert "Một lần nhập khác đang được ghi; xin thử lại sau giây lát." in page_text(vietnamese)


def opened_elsewhere(database: dict, client: Client, url: str):
    """`url` opened by `client` on a connection of another thread's, as in another worker."""
    page = Writer(database, lambda: client.get(url))
    page.start()
    page.join(timeout=30)
    return page.result
