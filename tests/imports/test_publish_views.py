"""The publish gate's staff pages (issue 11 §2; imports/publish_views.py): publish, withdraw and
discard through the Django test client, and who may restore (imports/views.py `restore`). GET
shows what will change, POST acts; a refusal says why (403 for who may act, the history's
message for what the data allows); anonymous visitors go to the log-in page. And a withdraw
blocked because what it would bring back is held again (`STILL_HELD`, imports/withdraw.py),
through the service and the page."""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client

from imports.models import DraftWorkbook, ImportRun, ReplacedFigures, RunEvent
from imports.publish import PublishRefused, run_withdraw
from tests.figures_state import stored_rows
from tests.gate import drafted, published, staff_make
from tests.imports.test_publish import corrected_december, june_report, replaced_december
from tests.imports.test_restore_plan import no_admissions_report
from tests.workbooks import JOINED, OWN, mung_tung_rows, section, village, village_report
from units.domain.coverage import period_for_date
from units.models import DataVersion, Status, VillageFigure

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def followed_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# ---------------------------------------------------------------------------- publish


def test_publish_shows_the_plan_then_publishes_on_post(province, importer, publisher):
    draft = drafted(village_report(), importer)
    client = client_of(publisher)
    response = client.get(f"/import/history/{draft.id}/publish/")
    assert response.status_code == 200
    text = page_text(response)
    assert "3 figures for 31/12/2017 in Xã Mường Tùng will be on the site" in text
    assert 'id="publish-confirm"' in text and 'id="draft-view"' in text
    draft.refresh_from_db()
    assert draft.outcome == ImportRun.Outcome.DRAFT  # the plan wrote nothing
    assert not VillageFigure.objects.exists()

    response = client.post(f"/import/history/{draft.id}/publish/", follow=True)
    assert response.redirect_chain == [("/import/history/", 302)]
    assert followed_messages(response) == [
        f"Import #{draft.id} published: its figures are on the site."
    ]
    draft.refresh_from_db()
    assert draft.outcome == ImportRun.Outcome.IMPORTED
    assert VillageFigure.objects.filter(import_run=draft).count() == 3
    assert [(e.action, e.user) for e in draft.events.all()] == [
        (RunEvent.Action.PUBLISHED, publisher)
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_importer_cannot_publish_their_own_run(province, publisher, method):
    draft = drafted(village_report(), publisher)  # even holding the permission to publish
    response = getattr(client_of(publisher), method)(f"/import/history/{draft.id}/publish/")
    assert response.status_code == 403
    assert (
        f"Import #{draft.id} was imported by you: another staff member must publish it "
        "(four eyes)." in page_text(response)
    )
    draft.refresh_from_db()
    assert draft.outcome == ImportRun.Outcome.DRAFT


@pytest.mark.parametrize("method", ["get", "post"])
def test_publishing_needs_the_permission_to_publish(province, importer, method):
    draft = drafted(village_report(), importer)
    colleague = staff_make("colleague")  # may import, may not publish
    response = getattr(client_of(colleague), method)(f"/import/history/{draft.id}/publish/")
    assert response.status_code == 403
    assert "Publishing and withdrawing imports needs the permission to publish imports." in (
        page_text(response)
    )
    draft.refresh_from_db()
    assert draft.outcome == ImportRun.Outcome.DRAFT


@pytest.mark.parametrize("action", ["publish", "withdraw", "discard"])
def test_anonymous_visitors_go_to_log_in(province, importer, action):
    draft = drafted(village_report(), importer)
    url = f"/import/history/{draft.id}/{action}/"
    for response in (Client().get(url), Client().post(url)):
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    draft.refresh_from_db()
    assert draft.outcome == ImportRun.Outcome.DRAFT


def test_a_draft_that_no_longer_validates_goes_back_to_the_history_with_why(
    province, importer, publisher
):
    draft = drafted(june_report(), importer, name="june.xlsx")
    published(june_report(new_village=False), importer, publisher, name="june-b.xlsx")
    client = client_of(publisher)
    for method in ("get", "post"):
        response = getattr(client, method)(f"/import/history/{draft.id}/publish/", follow=True)
        assert response.redirect_chain == [("/import/history/", 302)]
        [message] = followed_messages(response)
        assert message.startswith("Figures for 30/06/2018 in Xã Mường Tùng are already held")
    draft.refresh_from_db()
    assert draft.outcome == ImportRun.Outcome.DRAFT and not draft.events.exists()


# ---------------------------------------------------------------------------- withdraw


def test_withdraw_shows_the_plan_then_withdraws_on_post(province, importer, publisher):
    before = stored_rows()
    run = published(village_report(), importer, publisher)
    client = client_of(publisher)
    response = client.get(f"/import/history/{run.id}/withdraw/")
    assert response.status_code == 200
    assert 'id="withdraw-confirm"' in page_text(response)
    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.IMPORTED  # the plan wrote nothing

    response = client.post(f"/import/history/{run.id}/withdraw/", follow=True)
    assert response.redirect_chain == [("/import/history/", 302)]
    assert followed_messages(response) == [
        f"Import #{run.id} withdrawn: the figures are as they were before it."
    ]
    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.WITHDRAWN
    assert stored_rows() == before


def test_withdrawing_needs_the_permission_and_a_published_run(province, importer, publisher):
    run = published(village_report(), importer, publisher)
    for method in ("get", "post"):
        response = getattr(client_of(importer), method)(f"/import/history/{run.id}/withdraw/")
        assert response.status_code == 403
        assert "needs the permission to publish imports" in page_text(response)
    draft = drafted(june_report(), importer, name="june.xlsx")
    response = client_of(publisher).post(f"/import/history/{draft.id}/withdraw/", follow=True)
    assert followed_messages(response) == [
        f"Import #{draft.id} is not published: nothing to withdraw."
    ]
    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.IMPORTED


def blocked_withdraw(province, importer, publisher) -> tuple[ImportRun, ImportRun]:
    """December published; then replaced by a report without Bản Nậm Cang 1 (its figure kept
    in the history, to come back on a withdraw); then a figure for Bản Nậm Cang 1 at the same
    date written by a later run, as if reported under another commune (Xã Quài Nưa): the
    replace cannot be withdrawn, one figure per village and date."""
    published(village_report(), importer, publisher)
    rows = mung_tung_without_nam_cang()
    replace = published(village_report(rows), importer, publisher, name="b.xlsx", replace=True)
    later = published(june_report(), importer, publisher, name="june.xlsx")
    VillageFigure.objects.create(
        village=province.villages["Bản Nậm Cang 1"],
        period=period_for_date(replace.date),
        commune=province.quai_nua,
        status=Status.NO_MEMBERS,
        members=0,
        import_run=later,
    )
    return replace, later


def mung_tung_without_nam_cang() -> list[list]:
    return [
        section("I", "Huyện Mường Chà"),
        section("1", "Xã Mường Tùng"),
        village(1, "Bản Huổi Lèng", 14, 12, 2, OWN, admissions=1),
        village(2, "Bản Nậm Piền", 2, 2, 0, JOINED, host="Bản Huổi Lèng"),
        [None, "Cộng xã", None, 16, 14, 2, None, None, 1, None],
    ]


def still_held(replace: ImportRun, later: ImportRun) -> str:
    return (
        f"Import #{replace.id} cannot be withdrawn: the figures it replaced for 1 villages would "
        f"come back, but #{later.id} now hold figures for them at that date. Withdraw or replace "
        "those first."
    )


def test_a_withdraw_is_blocked_while_what_it_replaced_is_held_again(
    province, importer, publisher, english
):
    replace, later = blocked_withdraw(province, importer, publisher)
    before = stored_rows()
    with pytest.raises(PublishRefused) as refusal:
        run_withdraw(replace, user=publisher)
    assert [issue.message for issue in refusal.value.issues] == [still_held(replace, later)]
    assert stored_rows() == before
    replace.refresh_from_db()
    assert replace.outcome == ImportRun.Outcome.IMPORTED and replace.events.count() == 1


def test_the_withdraw_page_says_why_it_is_blocked(province, importer, publisher):
    replace, later = blocked_withdraw(province, importer, publisher)
    before = stored_rows()
    client = client_of(publisher)
    for method in ("get", "post"):
        response = getattr(client, method)(f"/import/history/{replace.id}/withdraw/", follow=True)
        assert response.redirect_chain == [("/import/history/", 302)]
        assert followed_messages(response) == [still_held(replace, later)]
    assert stored_rows() == before
    replace.refresh_from_db()
    assert replace.outcome == ImportRun.Outcome.IMPORTED


# ---------------------------------------------------------------------------- restore


def gate_state() -> dict:
    """What a restore may change besides the figures: the runs' outcomes, the figures kept
    aside, the events and the data version."""
    return {
        "runs": sorted(ImportRun.objects.values_list("id", "outcome", "replaced_by_id")),
        "aside": sorted(ReplacedFigures.objects.values_list("id", "run_id")),
        "events": sorted(RunEvent.objects.values_list("id", "run_id", "action", "user_id")),
        "version": DataVersion.current().number,
    }


@pytest.mark.parametrize(
    "language, refusal",
    [
        ("en", "Restoring a replaced import needs the permission to publish imports."),
        ("vi", "Khôi phục lần nhập đã bị thay thế cần có quyền công bố lần nhập."),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_restoring_needs_the_permission_to_publish(
    province, importer, publisher, method, language, refusal
):
    """An importer alone may not change the figures on the site by restoring an old run."""
    first, second = replaced_december(importer, publisher)
    before, state = stored_rows(), gate_state()
    client = client_of(importer)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = getattr(client, method)(f"/import/history/{first.id}/restore/")
    assert response.status_code == 403
    assert refusal in page_text(response)
    assert stored_rows() == before and gate_state() == state
    first.refresh_from_db()
    assert (first.outcome, first.replaced_by) == (ImportRun.Outcome.REPLACED, second)


def test_the_history_offers_restore_only_to_publishers(province, importer, publisher):
    first, second = replaced_december(importer, publisher)
    for user, offered in ((importer, False), (publisher, True)):
        client = client_of(user)
        history = page_text(client.get("/import/history/"))
        row = re.search(rf'<tr id="run-{first.id}".*?</tr>', history, re.S).group(0)
        link = f'<a href="/import/history/{first.id}/restore/" id="restore-{first.id}">'
        assert (link in row) is offered
        assert "restore-" not in re.search(rf'<tr id="run-{second.id}".*?</tr>', history, re.S)[0]
        run_page = page_text(client.get(f"/import/run/{first.id}/"))
        assert ('id="restore"' in run_page) is offered


# ---------------------------------------------------------------------------- discard


def test_discard_is_a_post_by_the_importer_or_a_publisher(province, importer, publisher):
    draft = drafted(village_report(), importer)
    url = f"/import/history/{draft.id}/discard/"
    assert client_of(importer).get(url).status_code == 405
    response = client_of(staff_make("colleague")).post(url, follow=True)
    assert followed_messages(response) == [
        f"Draft #{draft.id} may be discarded by the staff member who imported it or a publisher."
    ]
    response = client_of(importer).post(url, follow=True)
    assert response.redirect_chain == [("/import/history/", 302)]
    assert followed_messages(response) == [f"Draft #{draft.id} discarded: nothing was published."]
    draft.refresh_from_db()
    assert draft.outcome == ImportRun.Outcome.CANCELLED
    assert not DraftWorkbook.objects.filter(run=draft).exists()
    response = client_of(publisher).post(url, follow=True)
    assert followed_messages(response) == [
        f"Import #{draft.id} is not a draft: nothing to discard."
    ]


def test_a_publisher_discards_another_s_draft(province, importer, publisher):
    draft = drafted(corrected_december(), importer)
    client_of(publisher).post(f"/import/history/{draft.id}/discard/")
    draft.refresh_from_db()
    assert draft.outcome == ImportRun.Outcome.CANCELLED
    assert draft.events.get().user == publisher


def test_the_plan_shows_a_change_of_members_alone(province, importer, publisher):
    """A corrected report that changes only a village's member count: the plan's rows must show
    that change (it listed the units with their village counts only, all "x → x")."""
    published(village_report(), importer, publisher)
    rows = mung_tung_rows()
    rows[3] = village(2, "Bản Huổi Lèng", 15, 13, 2, OWN, admissions=1)
    rows[5] = [None, "Cộng xã", None, 17, 15, 2, None, None, 1, None]
    draft = drafted(village_report(rows), importer, replace=True, name="members.xlsx")
    response = client_of(publisher).get(f"/import/history/{draft.id}/publish/")
    text = page_text(response)
    table = text.split('id="publish-changes"')[1].split("</table>")[0]
    assert ">Members<" in table
    assert "16 → 17" in table


def admissions_cells(text: str, prefix: str) -> list[str]:
    """The last column of the plan's table (admitted in the period), row by row."""
    table = text.split(f'id="{prefix}-changes"')[1].split("</table>")[0]
    return [" ".join(cells[-1].split()) for cells in map(cell_texts, table.split("<tr>")[2:])]


def cell_texts(row: str) -> list[str]:
    return re.findall(r'<td class="num">(.*?)</td>', row, re.S)


@pytest.mark.parametrize(
    "language, admitted", [("en", "Admitted in the period"), ("vi", "Kết nạp trong kỳ")]
)
def test_the_plans_show_admissions_nobody_reported_as_not_reported(
    province, importer, publisher, language, admitted
):
    """A report without the admissions column: "—", not the 0 `Coverage` sums them to."""
    draft = drafted(no_admissions_report(), importer)
    client = client_of(publisher)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    text = page_text(client.get(f"/import/history/{draft.id}/publish/"))
    assert f">{admitted}<" in text
    assert admissions_cells(text, "publish") == ["— → —"] * 3
    client.post(f"/import/history/{draft.id}/publish/")
    text = page_text(client.get(f"/import/history/{draft.id}/withdraw/"))
    assert admissions_cells(text, "withdraw") == ["— → —"] * 3
