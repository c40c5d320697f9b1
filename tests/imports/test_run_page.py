"""What the run page and the history say of a run, in the reader's language: its summary put into
words from its counts when shown (`ImportRun.summary`), not stored in its importer's language."""

import datetime
import html
import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from imports.models import ImportRun
from imports.publish import run_publish, run_restore
from imports.services import report_import, report_preview
from tests.gate import drafted
from tests.imports.test_import_web import text_of
from tests.workbooks import JOINED, mung_tung_rows, to_file, village, village_report

pytestmark = pytest.mark.django_db
DEC_2017 = datetime.date(2017, 12, 31)


def run_page(client, run: ImportRun, language: str) -> str:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("imports:run", args=[run.id])).content.decode()


def untagged(content: str) -> str:
    """The text of HTML as read: tags out, white space folded."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", content))).strip()


def counted_run(province, **fields) -> ImportRun:
    """A national report's run, as `report_import` records one."""
    recorded = dict(
        file_name="national.xlsx", sha256="b" * 64, size=1, date=DEC_2017,
        scope=province.province, shape=ImportRun.Shape.VILLAGE_REPORT,
        outcome=ImportRun.Outcome.IMPORTED, rows=1527, villages_new=1204, villages_changed=3,
        villages_unchanged=0, villages_not_reported=2048,
    )  # fmt: skip
    return ImportRun.objects.create(**recorded | fields)


@pytest.mark.parametrize(
    "language, summary",
    [
        ("en", "1,527 rows: 1,204 new villages, 3 changed, 0 unchanged, 2,048 not reported."),
        ("vi", "1.527 dòng: 1.204 thôn, bản mới, 3 thay đổi, 0 không đổi, 2.048 chưa báo cáo."),
    ],
)
def test_a_summary_groups_thousands_as_the_readers_language_does(
    staff_client, province, language, summary
):
    run = counted_run(province, summary_from_counts=True)
    assert text_of(run_page(staff_client, run, language), "run-message") == summary


@pytest.mark.parametrize(
    "language, summary",
    [
        ("en", "1 row: 1 new village, 0 changed, 0 unchanged, 0 not reported."),
        ("vi", "1 dòng: 1 thôn, bản mới, 0 thay đổi, 0 không đổi, 0 chưa báo cáo."),
    ],
)
def test_a_summary_of_one_says_one_row_and_one_village(staff_client, province, language, summary):
    run = counted_run(
        province,
        summary_from_counts=True,
        rows=1,
        villages_new=1,
        villages_changed=0,
        villages_not_reported=0,
    )
    assert text_of(run_page(staff_client, run, language), "run-message") == summary


def test_a_draft_confirmed_in_vietnamese_reads_in_english_and_back(
    staff_client, province, importer, publisher
):
    """Confirmed and published by staff reading in Vietnamese; read by staff in English."""
    with translation.override("vi"):
        draft = drafted(village_report(), importer)
    assert text_of(run_page(staff_client, draft, "en"), "run-message") == (
        "Draft, waiting to be published by another staff member. 3 rows: 0 new villages, "
        "3 changed, 0 unchanged, 1 not reported. Nothing is shown on the site until then."
    )
    assert text_of(run_page(staff_client, draft, "vi"), "run-message") == (
        "Bản nháp, đang chờ một cán bộ khác công bố. 3 dòng: 0 thôn, bản mới, 3 thay đổi, "
        "0 không đổi, 1 chưa báo cáo. Cho đến lúc đó, trang web chưa hiển thị gì."
    )
    with translation.override("vi"):
        run_publish(draft, user=publisher)
    assert text_of(run_page(staff_client, draft, "en"), "run-message") == (
        "3 rows: 0 new villages, 3 changed, 0 unchanged, 1 not reported."
    )


def test_a_run_recorded_before_keeps_its_summary_as_written(staff_client, province):
    """No way to know a stored text was the counts in words: it is shown as it was recorded."""
    message = "1527 dòng: 1204 thôn, bản mới, 3 thay đổi, 0 không đổi, 2048 chưa báo cáo."
    run = counted_run(province, message=message)
    assert text_of(run_page(staff_client, run, "en"), "run-message") == message


def test_a_refusal_is_shown_as_recorded(staff_client, province):
    """Refusals are stored as text, the issues' lines in the importer's language."""
    run = counted_run(province, outcome=ImportRun.Outcome.REFUSED, message="Mường Chà, 11, …")
    assert text_of(run_page(staff_client, run, "en"), "run-message") == "Mường Chà, 11, …"


@pytest.mark.parametrize(
    "language, replaced",
    [("en", "Replaced by another import"), ("vi", "Đã bị thay thế bởi lần nhập khác")],
)
def test_a_run_a_restore_set_aside_is_not_said_replaced_by_a_later_one(
    staff_client, publisher, province, language, replaced
):
    """#1 replaced by #2, then #1 restored: #2 is replaced by #1, the earlier import."""
    first = report_import(preview=report_preview(path_or_file=to_file(village_report())))
    file = to_file(village_report(corrected_rows()), name="corrected.xlsx")
    second = report_import(preview=report_preview(path_or_file=file), replace=True)
    first.refresh_from_db()
    run_restore(first, user=publisher)
    second.refresh_from_db()
    assert (second.outcome, second.replaced_by) == (ImportRun.Outcome.REPLACED, first)

    staff_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    history = staff_client.get(reverse("imports:history")).content.decode()
    row = untagged(re.search(rf'<tr id="run-{second.id}".*?</tr>', history, re.S).group(0))
    assert f"{replaced} (#{first.id})" in row
    page = untagged(run_page(staff_client, second, language))
    assert f"#{second.id}: {replaced}" in page
    assert "later import" not in page + row and "lần nhập sau" not in page + row


def corrected_rows() -> list[list]:
    """Bản Nậm Cang 1 now attends Bản Huổi Lèng's cell, with one member."""
    rows = mung_tung_rows()
    rows[2] = village(1, "Bản Nậm Cang 1", 1, 1, 0, JOINED, host="Bản Huổi Lèng")
    rows[5] = [None, "Cộng xã", None, 17, 15, 2, None, None, 1, None]
    return rows
