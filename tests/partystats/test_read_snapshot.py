"""Each public request reads one snapshot of the database (partystats.middleware.ReadSnapshot…).

An import commits all its figures at once; these tests show that a page's several queries are
inside one transaction that, on PostgreSQL, is REPEATABLE READ and READ ONLY, so they all see
the database before that commit or all after it."""

import threading

import pytest
from django.db import connection, connections
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from partystats.middleware import ReadSnapshotMiddleware
from units.domain.coverage import data_version_bump
from units.models import DataVersion

pytestmark = pytest.mark.django_db(transaction=True)


def transaction_seen(request_path: str) -> dict:
    """What the view sees of its transaction when the middleware wraps it."""
    seen = {}

    def view(request):
        seen["in_transaction"] = connection.in_atomic_block
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW transaction_isolation")
                seen["isolation"] = cursor.fetchone()[0]
                cursor.execute("SHOW transaction_read_only")
                seen["read_only"] = cursor.fetchone()[0]
        return HttpResponse("ok")

    ReadSnapshotMiddleware(view)(RequestFactory().get(request_path))
    return seen


def test_a_public_page_reads_inside_one_transaction():
    seen = transaction_seen("/coverage/?date=2017-12-31")
    assert seen["in_transaction"] is True
    if connection.vendor == "postgresql":
        assert seen == {"in_transaction": True, "isolation": "repeatable read", "read_only": "on"}


def test_staff_pages_keep_the_default_transactions():
    seen = transaction_seen("/import/")
    assert seen["in_transaction"] is False
    if connection.vendor == "postgresql":
        assert seen["isolation"] == "read committed"


def test_a_commit_during_the_page_is_not_seen_by_its_later_queries():
    """The import's commit lands between two queries of one page: the second still sees the
    figures the first saw. On SQLite the writer waits for the reader instead (its lock), which
    gives the page the same guarantee: the test checks what the page saw either way."""
    data_version_bump()
    seen = []
    writer_result = []

    def commit_elsewhere():
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:  # autocommit: the UPDATE commits at once
                cursor.execute("UPDATE units_dataversion SET number = 2 WHERE id = 1")
            writer_result.append("committed")
        except Exception as error:  # SQLite's in-memory test database: "table is locked"
            writer_result.append(type(error).__name__)
        finally:
            other.close()

    def view(request):
        seen.append(DataVersion.objects.get(pk=1).number)
        writer = threading.Thread(target=commit_elsewhere)
        writer.start()
        writer.join(timeout=2)  # SQLite: blocked by the page's read lock until the page ends
        seen.append(DataVersion.objects.get(pk=1).number)
        seen.append(writer.is_alive())
        return HttpResponse("ok")

    ReadSnapshotMiddleware(view)(RequestFactory().get("/"))
    first, second, writer_waiting = seen
    assert first == second == 1
    if connection.vendor == "postgresql":
        # The commit happened during the page, and the page did not see it.
        assert (writer_waiting, writer_result) == (False, ["committed"])
        assert DataVersion.objects.get(pk=1).number == 2


def streamed_response(seen: list) -> StreamingHttpResponse:
    """A response read as it is sent (as the coverage table's CSV and JSON are): each piece
    notes whether it is read inside a transaction, and in which on PostgreSQL."""

    def pieces():
        for piece in (b"first", b"second", b"last"):
            seen.append(transaction_state())
            yield piece

    return StreamingHttpResponse(pieces())


def transaction_state() -> tuple:
    if connection.vendor != "postgresql":
        return (connection.in_atomic_block,)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_current_snapshot()::text, current_setting('transaction_isolation')"
        )
        return (connection.in_atomic_block, *cursor.fetchone())


def test_a_streamed_response_is_read_in_the_views_transaction_to_its_last_piece():
    seen = []
    response = ReadSnapshotMiddleware(lambda request: streamed_response(seen))(
        RequestFactory().get("/coverage/?format=csv")
    )
    assert connection.in_atomic_block  # the view has returned: its transaction goes on
    assert b"".join(response.streaming_content) == b"firstsecondlast"
    assert len(seen) == 3 and len(set(seen)) == 1 and seen[0][0] is True
    if connection.vendor == "postgresql":
        assert seen[0][2] == "repeatable read"
    assert not connection.in_atomic_block  # ended with the last piece
    response.close()
    assert not connection.in_atomic_block


@pytest.mark.parametrize("pieces_read", [0, 1])
def test_a_download_abandoned_midway_ends_its_transaction(pieces_read):
    """The server closes the response of a client gone (or a HEAD, whose body is never read):
    the transaction ends then, not with the connection."""
    response = ReadSnapshotMiddleware(lambda request: streamed_response([]))(
        RequestFactory().get("/coverage/?format=json")
    )
    pieces = iter(response.streaming_content)
    for _ in range(pieces_read):
        next(pieces)
    assert connection.in_atomic_block
    response.close()
    assert not connection.in_atomic_block
