"""The publish gate (issue 11 §2, four eyes; docs/import-format.md, "What an import does"): a
confirmed import is a draft that writes no figure; a second staff member with `imports.publish`
publishes it, after the workbook is read and validated again; withdrawing undoes it completely;
each step is recorded with who and when."""

import datetime
import hashlib
import io

import pytest
from django.db import connection
from openpyxl import Workbook

from imports import drafts
from imports.drafts import report_draft
from imports.models import ColumnMapping, DraftWorkbook, ImportRun, RunEvent
from imports.publish import (
    PublishRefused,
    draft_discard,
    report_publish,
    run_publish,
    run_restore,
    run_withdraw,
)
from imports.services import report_import, report_preview
from tests.figures_state import stored_rows
from tests.gate import PUBLISHER, drafted, published, staff_make
from tests.workbooks import (
    JOINED,
    NONE,
    OWN,
    database_counts,
    mung_tung_rows,
    section,
    to_file,
    village,
    village_report,
)
from units.domain.coverage import coverage_differences
from units.models import DataVersion, Period, Source, UnitFigure, Village, VillageFigure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
D = datetime.date
DEC_2017, JUN_2018 = D(2017, 12, 31), D(2018, 6, 30)


def june_report(new_village: bool = True):
    """30/06/2018: Bản Nậm Cang 1 joined, Bản Nậm Piền its own cell, and a new village."""
    rows = mung_tung_rows()
    rows[2] = village(1, "Bản Nậm Cang 1", 1, 1, 0, JOINED, host="Bản Huổi Lèng")
    rows[4] = village(3, "Bản Nậm Piền", 3, 3, 0, OWN)
    total = 18
    if new_village:
        rows.insert(5, village(4, "Bản Mới Lập", 0, 0, 0, NONE))
    rows[-1] = [None, "Cộng xã", None, total, 16, 2, None, None, 1, None]
    return village_report(rows, date_line="Số liệu tính đến ngày 30/06/2018")


def corrected_december():
    rows = mung_tung_rows()
    rows[3] = village(2, "Bản Huổi Lèng", 13, 11, 2, OWN, admissions=1)
    rows.insert(5, village(4, "Bản Sửa Lại", 0, 0, 0, NONE))
    rows[-1] = [None, "Cộng xã", None, 15, 13, 2, None, None, 1, None]
    return village_report(rows)


def version() -> int:
    return DataVersion.current().number


def messages(refusal) -> list[str]:
    return [issue.message for issue in refusal.value.issues]


# ---------------------------------------------------------------------------- drafts


def test_a_confirmed_import_is_a_draft_that_writes_no_figure(province, importer):
    before, number = database_counts(), version()
    run = drafted(village_report(), importer)
    assert (run.outcome, run.user, run.date, run.scope) == (
        ImportRun.Outcome.DRAFT,
        importer,
        DEC_2017,
        province.muong_tung,
    )
    assert run.summary == (
        "Draft, waiting to be published by another staff member. 3 rows: 0 new villages, "
        "3 changed, 0 unchanged, 1 not reported. Nothing is shown on the site until then."
    )
    kept = bytes(DraftWorkbook.objects.get(run=run).data)
    assert hashlib.sha256(kept).hexdigest() == run.sha256  # the very file previewed
    assert database_counts() == before | {"runs_not_refused": 1}
    assert version() == number  # nothing public changed: no page of the cache is dropped


def test_the_same_file_as_a_waiting_draft_is_nothing_to_do(province, importer):
    data = to_file(village_report()).getvalue()  # one file: a workbook saved twice differs

    def confirmed():
        preview = report_preview(path_or_file=io.BytesIO(data), file_name="report.xlsx")
        return report_draft(preview=preview, data=data, user=importer)

    first, again = confirmed(), confirmed()
    assert again.outcome == ImportRun.Outcome.UNCHANGED
    assert (
        again.message == f"Same file as draft #{first.id}, waiting to be published: nothing to do."
    )


def test_a_draft_for_a_date_already_held_needs_replace_at_once(province, importer):
    report_import(preview=report_preview(path_or_file=to_file(village_report())))
    with pytest.raises(Exception) as refusal:
        drafted(corrected_december(), importer)
    assert messages(refusal)[0].startswith(
        "Figures for 31/12/2017 in Xã Mường Tùng are already held"
    )
    assert ImportRun.objects.filter(outcome=ImportRun.Outcome.REFUSED).count() == 1
    assert drafted(corrected_december(), importer, replace=True).outcome == ImportRun.Outcome.DRAFT


# ---------------------------------------------------------------------------- who publishes


def test_the_importer_cannot_publish_their_own_run(province, importer):
    own = staff_make("both", PUBLISHER)
    run = drafted(village_report(), own)
    before = database_counts()
    with pytest.raises(PublishRefused) as refusal:
        run_publish(run, user=own)
    assert messages(refusal) == [
        f"Import #{run.id} was imported by you: another staff member must publish it (four eyes)."
    ]
    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.DRAFT
    assert database_counts() == before and not RunEvent.objects.exists()


def test_publishing_needs_the_permission(province, importer):
    run = drafted(village_report(), importer)
    with pytest.raises(PublishRefused) as refusal:
        run_publish(run, user=staff_make("colleague"))
    assert messages(refusal) == [
        "Publishing and withdrawing imports needs the permission to publish imports."
    ]
    assert VillageFigure.objects.count() == 0


def test_a_second_staff_member_publishes_and_it_is_recorded(province, importer, publisher):
    run = drafted(village_report(), importer)
    number = version()
    run_publish(run, user=publisher)
    run.refresh_from_db()
    assert (run.outcome, run.user) == (ImportRun.Outcome.IMPORTED, importer)
    assert run.summary == "3 rows: 0 new villages, 3 changed, 0 unchanged, 1 not reported."
    assert VillageFigure.objects.filter(import_run=run).count() == 3
    assert coverage_differences() == [] and version() > number
    event = RunEvent.objects.get()
    assert (event.run, event.action, event.user, event.command_line) == (
        run,
        RunEvent.Action.PUBLISHED,
        publisher,
        False,
    )
    with pytest.raises(PublishRefused) as refusal:
        run_publish(run, user=staff_make("third", PUBLISHER))
    assert messages(refusal) == [
        f"Import #{run.id} is not a draft or a withdrawn import: nothing to publish."
    ]


def test_publishing_validates_again_and_refuses_when_the_date_is_now_held(
    province, importer, publisher
):
    """Two drafts for one date and scope: the first published wins; the second is refused with
    the reason, stays a draft, and publishes with replace."""
    second = drafted(corrected_december(), importer, name="second.xlsx")
    first = published(village_report(), importer, publisher)
    before = database_counts()
    with pytest.raises(PublishRefused) as refusal:
        run_publish(second, user=publisher)
    assert messages(refusal) == [
        "Figures for 31/12/2017 in Xã Mường Tùng are already held (3 rows, from "
        f"#{first.id} report.xlsx): import with replace to supersede them; the replaced version "
        "can be restored."
    ]
    second.refresh_from_db()
    assert second.outcome == ImportRun.Outcome.DRAFT and database_counts() == before
    run_publish(second, user=publisher, replace=True)
    first.refresh_from_db()
    assert (first.outcome, first.replaced_by) == (ImportRun.Outcome.REPLACED, second)
    assert VillageFigure.objects.get(village__name="Bản Huổi Lèng").members == 13


def readings_watched(monkeypatch, meanwhile=None) -> list[bool]:
    """Each reading of a draft's workbook, as whether it ran inside a transaction (under the
    write lock); `meanwhile` runs once, just after the first reading, as a write another
    writer commits while the publisher reads."""
    inside: list[bool] = []
    read = drafts.report_preview

    def watched(**options):
        inside.append(connection.in_atomic_block)
        preview = read(**options)
        if meanwhile is not None and len(inside) == 1:
            meanwhile()
        return preview

    monkeypatch.setattr(drafts, "report_preview", watched)
    return inside


@pytest.mark.django_db(transaction=True)  # the publish's own transaction, not a savepoint
def test_the_workbook_is_read_before_the_write_lock(monkeypatch, province, importer, publisher):
    run = drafted(village_report(), importer)
    inside = readings_watched(monkeypatch)
    run_publish(run, user=publisher)
    assert inside == [False]  # read once, outside any transaction
    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.IMPORTED
    assert VillageFigure.objects.filter(import_run=run).count() == 3
    assert coverage_differences() == []


@pytest.mark.django_db(transaction=True)
def test_a_write_committed_while_the_workbook_is_read_makes_it_read_again_under_the_lock(
    monkeypatch, province, importer, publisher
):
    """The same file published from the command line while the publisher reads the draft: the
    reading is out of date, so the draft is read again under the lock and refused as of then
    (the same file, nothing to do), not written over the operator's run."""
    run = drafted(village_report(), importer, replace=True)
    data = bytes(run.workbook.data)

    def operator_publishes():
        preview = report_preview(path_or_file=io.BytesIO(data), file_name="report.xlsx")
        return report_publish(preview=preview, data=data)

    inside = readings_watched(monkeypatch, operator_publishes)
    with pytest.raises(PublishRefused) as refusal:
        run_publish(run, user=publisher)
    assert inside == [False, True]
    operator = ImportRun.objects.get(outcome=ImportRun.Outcome.IMPORTED)
    assert messages(refusal)[0].startswith(f"Same file as import #{operator.id} of ")
    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.DRAFT and not run.events.exists()
    assert VillageFigure.objects.filter(import_run=operator).count() == 3


def test_a_draft_is_read_with_the_columns_chosen_when_it_was_confirmed(province, importer):
    header = ["STT", "Địa bàn", "Thôn, bản, TDP", "Tổng số đảng viên", "Tình trạng chi bộ"]
    rows = [[1, "Xã Mường Tùng", "Bản Nậm Cang 1", 0, NONE]]
    workbook = village_report(rows, header=header, subheader=None, numbers=None)
    file = to_file(workbook)
    preview = report_preview(path_or_file=file, columns={1: "commune"})
    run = report_draft(preview=preview, data=file.getvalue(), user=importer, columns={1: "commune"})
    assert DraftWorkbook.objects.get(run=run).columns == {"B": "commune"}
    run_publish(run, user=staff_make("publisher", PUBLISHER))
    assert VillageFigure.objects.get().commune == province.muong_tung


def test_a_draft_keeps_the_remembered_columns_it_was_previewed_with(province, importer):
    header = ["STT", "Địa bàn", "Thôn, bản, TDP", "Tổng số đảng viên", "Tình trạng chi bộ"]
    workbook = village_report(
        [[1, "Xã Mường Tùng", "Bản Nậm Cang 1", 0, NONE]],
        header=header,
        subheader=None,
        numbers=None,
    )
    signature = report_preview(path_or_file=to_file(workbook)).headers[0].signature
    ColumnMapping.objects.create(
        signature=signature, shape="village_report", columns={"B": "commune"}
    )
    run = drafted(workbook, importer)
    ColumnMapping.objects.all().delete()  # changed since: the draft is read as it was confirmed
    run_publish(run, user=staff_make("publisher", PUBLISHER))
    assert VillageFigure.objects.get().commune == province.muong_tung


# ---------------------------------------------------------------------------- withdraw


def test_withdrawing_a_run_that_replaced_nothing_gives_back_every_row(
    province, importer, publisher
):
    """A new date, a new village, a village's joined host: all go, and the date with them."""
    published(village_report(), importer, publisher)
    before, periods = stored_rows(), list(Period.objects.values_list("date", flat=True))
    run = published(june_report(), importer, publisher, name="june.xlsx")
    assert Village.objects.filter(name="Bản Mới Lập").exists()
    assert stored_rows() != before
    number = version()

    run_withdraw(run, user=publisher)
    assert stored_rows() == before
    assert list(Period.objects.values_list("date", flat=True)) == periods
    assert coverage_differences() == [] and version() > number
    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.WITHDRAWN
    assert [(e.action, e.user) for e in run.events.all()] == [
        (RunEvent.Action.PUBLISHED, publisher),
        (RunEvent.Action.WITHDRAWN, publisher),
    ]


def test_withdrawing_a_replace_brings_back_what_it_replaced(province, importer, publisher):
    first = published(village_report(), importer, publisher)
    before = stored_rows()
    second = published(corrected_december(), importer, publisher, name="second.xlsx", replace=True)
    assert stored_rows() != before

    run_withdraw(second, user=publisher)
    assert stored_rows() == before
    assert coverage_differences() == []
    first.refresh_from_db()
    assert (first.outcome, first.replaced_by) == (ImportRun.Outcome.IMPORTED, None)
    assert not first.replaced_figures.exists()


def test_a_withdrawn_run_is_published_again(province, importer, publisher):
    run = published(june_report(), importer, publisher)
    after = stored_rows()
    run_withdraw(run, user=publisher)
    with pytest.raises(PublishRefused):
        run_publish(run, user=importer)  # four eyes again
    run_publish(run, user=staff_make("another", PUBLISHER))
    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.IMPORTED
    assert len(stored_rows()["figures"]) == len(after["figures"])
    assert coverage_differences() == []


def test_withdrawing_needs_a_published_run_and_the_permission(province, importer, publisher):
    draft = drafted(village_report(), importer)
    with pytest.raises(PublishRefused) as refusal:
        run_withdraw(draft, user=publisher)
    assert messages(refusal) == [f"Import #{draft.id} is not published: nothing to withdraw."]
    run_publish(draft, user=publisher)
    with pytest.raises(PublishRefused) as refusal:
        run_withdraw(draft, user=importer)
    assert messages(refusal) == [
        "Publishing and withdrawing imports needs the permission to publish imports."
    ]


def test_withdrawing_a_unit_summary_gives_back_the_figures_it_replaced(
    province, importer, publisher
):
    def summary(members: int):
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["Số liệu tính đến ngày 31/12/2017"])
        sheet.append(["STT", "Đơn vị", "Tổng số thôn, bản", "Số thôn có chi bộ", "Số đảng viên"])
        sheet.append([1, "Xã Mường Tùng", 4, 1, members])
        return workbook

    published(summary(16), importer, publisher, name="first.xlsx")
    before = sorted(UnitFigure.objects.values_list("unit_id", "metric", "value", "source_id"))
    sources = Source.objects.count()
    second = published(summary(17), importer, publisher, name="second.xlsx", replace=True)
    assert Source.objects.count() == sources + 1
    run_withdraw(second, user=publisher)
    after = sorted(UnitFigure.objects.values_list("unit_id", "metric", "value", "source_id"))
    assert after == before and Source.objects.count() == sources


def test_a_draft_is_discarded_by_its_importer_or_a_publisher(province, importer, publisher):
    run = drafted(village_report(), importer)
    with pytest.raises(PublishRefused):
        draft_discard(run, user=staff_make("colleague"))
    draft_discard(run, user=importer)
    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.CANCELLED
    assert not DraftWorkbook.objects.filter(run=run).exists()
    assert run.events.get().action == RunEvent.Action.DISCARDED
    with pytest.raises(PublishRefused):
        run_publish(run, user=publisher)


def test_a_section_report_of_two_communes_is_withdrawn_whole(province, importer, publisher):
    rows = [
        *mung_tung_rows(),
        section("2", "Xã Huổi Lèng"),
        village(1, "Bản Mới Một", 3, 3, 0, OWN),
        [None, "Cộng xã", None, 3, 3, 0, None, None, 0, None],
    ]
    before = stored_rows()
    run = published(village_report(rows), importer, publisher)
    assert VillageFigure.objects.filter(import_run=run).count() == 4
    run_withdraw(run, user=publisher)
    assert stored_rows() == before
    assert not Period.objects.exists()


# ---------------------------------------------------------------------------- restore


def replaced_december(importer, publisher) -> tuple[ImportRun, ImportRun]:
    """December published, then replaced by a corrected December: (the replaced, the replace)."""
    first = published(village_report(), importer, publisher)
    second = published(corrected_december(), importer, publisher, name="second.xlsx", replace=True)
    first.refresh_from_db()
    return first, second


def test_restoring_needs_the_permission_to_publish_and_is_recorded_with_who(
    province, importer, publisher
):
    """Restoring changes the figures on the site: an importer alone may not, past the gate."""
    first, second = replaced_december(importer, publisher)
    before, number = stored_rows(), version()
    with pytest.raises(PublishRefused) as refusal:
        run_restore(first, user=importer)
    assert messages(refusal) == [
        "Restoring a replaced import needs the permission to publish imports."
    ]
    assert (stored_rows(), version()) == (before, number)
    first.refresh_from_db()
    assert first.outcome == ImportRun.Outcome.REPLACED
    assert [event.action for event in first.events.all()] == [RunEvent.Action.PUBLISHED]

    run_restore(first, user=publisher)
    assert stored_rows() != before and version() > number
    assert coverage_differences() == []
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.outcome, second.outcome) == (
        ImportRun.Outcome.IMPORTED,
        ImportRun.Outcome.REPLACED,
    )
    event = first.events.last()
    assert (event.action, event.user, event.command_line) == (
        RunEvent.Action.RESTORED,
        publisher,
        False,
    )


def test_restoring_needs_no_second_person(province, publisher):
    """As a withdraw: the figures it brings back were on the site before, so the publisher who
    imported the run may restore it (four eyes is for figures new to the site)."""
    first, _second = replaced_december(publisher, staff_make("colleague", PUBLISHER))
    run_restore(first, user=publisher)
    first.refresh_from_db()
    assert first.outcome == ImportRun.Outcome.IMPORTED


def test_restoring_a_run_not_replaced_is_refused(province, importer, publisher):
    run = published(village_report(), importer, publisher)
    before = stored_rows()
    with pytest.raises(PublishRefused) as refusal:
        run_restore(run, user=publisher)
    assert messages(refusal) == [
        f"Import #{run.id} is not a replaced import: there is nothing to restore."
    ]
    assert stored_rows() == before
    assert [event.action for event in run.events.all()] == [RunEvent.Action.PUBLISHED]
