"""A staff member views a draft at the site's real URLs (issue 11 §2; imports/draft_view.py):
the draft's figures under a banner, for them only; a visitor at the same URL, before and after,
from a cold page cache and a warm one, sees the published figures; and after the view the
database holds nothing of the draft (the figures, their coverage and the data version as they
were, no `data_committed` sent)."""

from __future__ import annotations

import html
import io

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client

from imports.draft_view import SESSION_KEY
from imports.drafts import draft_preview
from imports.models import ImportRun, RunEvent
from imports.publish import report_publish
from imports.services import report_preview, write_refusal
from tests.figures_state import stored_rows
from tests.gate import drafted, published
from tests.imports.test_publish import june_report as june_report_without_new_village
from tests.imports.test_publish import readings_watched
from tests.imports.test_publish_visibility import NEW_VILLAGE, june_report, seen
from tests.workbooks import OWN, database_counts, section, village, village_report
from units.domain.coverage import coverage_differences, coverage_rebuild, data_committed
from units.models import DataVersion, Village, VillageFigure

BANNER_VI = "Bản nháp #{id} — chưa công bố: số liệu trên trang này gồm bản nháp"
BANNER_EN = "Draft #{id} — not published: the figures on this page include the draft"


@pytest.fixture
def december(province, importer, publisher):
    """31/12/2017 published, as the site shows it to everyone."""
    return published(village_report(), importer, publisher)


def viewing(user, run: ImportRun, language: str | None = None) -> Client:
    """A browser of `user`'s who pressed "View on the site" on `run`'s page."""
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(f"/import/history/{run.id}/view/")
    assert response.status_code == 302
    return client


def draft_urls(province) -> list[str]:
    commune = province.muong_tung.id
    return [
        f"/u/{commune}/",  # the latest date: the draft's 30/06/2018 for its viewer
        f"/u/{commune}/?date=2018-06-30",
        f"/u/{province.province.id}/",
        "/coverage/?group=village",
        "/coverage/?group=village&date=2018-06-30",
    ]


def text(response) -> str:
    return response.content.decode()


def database_state() -> tuple:
    version = DataVersion.current()
    return (
        database_counts(),
        stored_rows(),
        (version.number, version.changed),
        coverage_differences(),
    )


@pytest.mark.django_db(transaction=True)  # the draft view's own transaction, not a savepoint
def test_staff_see_the_draft_where_visitors_see_the_published_figures(
    settings, province, december, importer, publisher
):
    settings.PAGE_CACHE_SECONDS = 3600  # as in production
    page_cache = caches[settings.PAGE_CACHE_ALIAS]
    page_cache.clear()
    draft = drafted(june_report(), importer, name="june.xlsx")
    urls = draft_urls(province)
    visitor = Client()
    published_pages = seen(visitor, urls)  # cold: rendered and stored
    assert not any(NEW_VILLAGE in page.decode() for _, page in published_pages.values())
    before = database_state()
    committed = []
    data_committed.connect(committed.append, dispatch_uid="test_draft_view")
    try:
        staff = viewing(publisher, draft)
        for url in urls:
            response = staff.get(url)
            assert response.status_code == 200, url
            assert BANNER_VI.format(id=draft.id) in text(response), url
            assert (
                "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
            )
            assert "ETag" not in response
            assert seen(visitor, [url]) == {url: published_pages[url]}  # warm, in between
        assert NEW_VILLAGE in text(staff.get(urls[0])) and NEW_VILLAGE in text(staff.get(urls[3]))
    finally:
        data_committed.disconnect(dispatch_uid="test_draft_view")

    assert committed == []  # nothing committed: the page cache is not warmed for the draft
    assert database_state() == before
    assert not VillageFigure.objects.filter(import_run=draft).exists()
    draft.refresh_from_db()
    assert draft.outcome == ImportRun.Outcome.DRAFT and not draft.events.exists()
    assert seen(visitor, urls) == published_pages  # warm
    page_cache.clear()
    assert seen(visitor, urls) == published_pages  # cold


@pytest.mark.django_db
def test_exports_and_the_api_stay_published_for_the_viewer(province, december, importer):
    draft = drafted(june_report(), importer, name="june.xlsx")
    staff = viewing(importer, draft)  # the importer may look at their own draft
    commune = province.muong_tung.id
    for url in (
        "/coverage/?group=village&format=csv",
        "/coverage/?group=village&format=json",
        f"/api/v1/figures?unit={commune}&date=2018-06-30",
        f"/u/{commune}/feed.atom",
    ):
        response = staff.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert NEW_VILLAGE not in body.decode(), url
        assert "no-store" not in response.get("Cache-Control", ""), url


@pytest.mark.django_db
def test_the_banner_is_in_vietnamese_and_in_english_with_the_english_site(
    province, december, importer, publisher
):
    draft = drafted(june_report(), importer, name="june.xlsx")
    url = f"/u/{province.muong_tung.id}/"
    page = text(viewing(publisher, draft).get(url))
    assert BANNER_VI.format(id=draft.id) in page
    assert "Dừng xem bản nháp" in page and f'href="/import/run/{draft.id}/"' in page
    page = text(viewing(publisher, draft, "en").get(url))
    assert BANNER_EN.format(id=draft.id) in page
    assert "(june.xlsx, 30/06/2018, Xã Mường Tùng)" in page
    assert "Stop viewing the draft" in page and "Back to the draft" in page


@pytest.mark.django_db
def test_a_draft_that_no_longer_validates_is_left_out_and_the_banner_says_why(
    province, december, importer, publisher
):
    draft = drafted(june_report(), importer, name="june.xlsx")
    published(june_report_without_new_village(False), importer, publisher, name="june-b.xlsx")
    reason = write_refusal(draft_preview(draft), replace=False)[0]
    staff = viewing(publisher, draft, "en")
    page = text(staff.get(f"/u/{province.muong_tung.id}/"))
    assert f"Draft #{draft.id} is not shown on this page:" in page
    assert html.escape(reason.message) in page
    assert "The figures on this page are the published ones." in page
    assert NEW_VILLAGE not in page


@pytest.mark.django_db
def test_stopping_shows_the_published_figures_on_the_same_page(province, december, importer):
    draft = drafted(june_report(), importer, name="june.xlsx")
    staff = viewing(importer, draft)
    url = f"/u/{province.muong_tung.id}/"
    assert NEW_VILLAGE in text(staff.get(url))
    response = staff.post("/import/draft/stop/", {"next": url})
    assert response.status_code == 302 and response["Location"] == url
    page = text(staff.get(url))
    assert NEW_VILLAGE not in page and 'id="draft-banner"' not in page
    response = staff.post("/import/draft/stop/", {"next": "https://elsewhere.example/"})
    assert response["Location"] == "/"  # only back to this site


@pytest.mark.django_db
def test_only_a_draft_is_viewed_and_publishing_it_ends_the_view(
    province, december, importer, publisher
):
    draft = drafted(june_report(), importer, name="june.xlsx")
    staff = viewing(publisher, draft)
    assert staff.session[SESSION_KEY] == draft.id
    staff.post(f"/import/history/{draft.id}/publish/")
    draft.refresh_from_db()
    assert draft.outcome == ImportRun.Outcome.IMPORTED
    assert SESSION_KEY not in staff.session
    page = text(staff.get(f"/u/{province.muong_tung.id}/"))
    assert NEW_VILLAGE in page and 'id="draft-banner"' not in page  # published, for everyone

    response = staff.post(f"/import/history/{draft.id}/view/")  # no longer a draft
    assert response["Location"] == f"/import/run/{draft.id}/"
    assert SESSION_KEY not in staff.session
    assert RunEvent.objects.filter(run=draft).count() == 1


@pytest.mark.django_db
def test_a_draft_in_the_session_shows_to_nobody_without_the_permission(
    province, december, importer
):
    draft = drafted(june_report(), importer, name="june.xlsx")
    staff = viewing(importer, draft)
    importer.user_permissions.clear()  # no longer staff, the session still names the draft
    page = text(staff.get(f"/u/{province.muong_tung.id}/"))
    assert NEW_VILLAGE not in page and 'id="draft-banner"' not in page
    visitor = Client()
    assert visitor.post(f"/import/history/{draft.id}/view/").status_code == 302  # to log in
    assert NEW_VILLAGE not in text(visitor.get(f"/u/{province.muong_tung.id}/"))


# base.html's provenance line, shown while any village is synthetic (DataVersion.synthetic_villages)
PROVENANCE = {
    "en": "This site also holds <strong>synthetic</strong> demo villages",
    "vi": "Trang web này cũng có các thôn, bản <strong>giả lập</strong>",
}


def quai_nua(name: str):
    """Xã Quài Nưa at 31/12/2017: one village, `name`, with its own cell."""
    rows = [section("I", "Huyện Tuần Giáo"), section("1", "Xã Quài Nưa")]
    return village_report([*rows, village(1, name, 5, 5, 0, OWN)], sheet_name="Tuần Giáo")


@pytest.mark.django_db(transaction=True)  # the draft view's own transaction, not a savepoint
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_footer_follows_the_draft_that_leaves_no_synthetic_village(
    language, province, december, importer, publisher
):
    """The site's only synthetic village, known from one report only, goes when a draft
    replaces that report: the draft's viewer reads no provenance line, everyone else still
    does (the flag is read in the draft's transaction, after the draft's data version bump)."""
    published(quai_nua("Bản Giả Lập"), importer, publisher, name="quai-nua.xlsx")
    Village.objects.filter(name="Bản Giả Lập").update(synthetic=True)
    coverage_rebuild()  # the data version records it
    draft = drafted(quai_nua("Bản Khác"), importer, name="again.xlsx", replace=True)
    url = f"/u/{province.muong_tung.id}/"
    visitor = Client()
    visitor.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    assert PROVENANCE[language] in text(visitor.get(url))
    page = text(viewing(publisher, draft, language).get(url))
    assert f"#{draft.id}" in page and 'id="draft-banner"' in page
    assert PROVENANCE[language] not in page
    assert PROVENANCE[language] in text(visitor.get(url))


@pytest.mark.django_db(transaction=True)
def test_a_write_committed_while_the_draft_is_read_makes_it_read_again(
    monkeypatch, province, december, importer, publisher
):
    """The same file published from the command line while the draft's workbook is read for
    the view: read again in the view's transaction, it is not shown, and the banner says why
    (as publishing it would be refused), instead of showing a reading out of date."""
    draft = drafted(june_report(), importer, name="june.xlsx", replace=True)
    data = bytes(draft.workbook.data)

    def operator_publishes():
        preview = report_preview(path_or_file=io.BytesIO(data), file_name="june.xlsx")
        report_publish(preview=preview, data=data)

    inside = readings_watched(monkeypatch, operator_publishes)
    page = text(viewing(publisher, draft, "en").get(f"/u/{province.muong_tung.id}/"))
    assert inside == [False, True]
    operator = ImportRun.objects.get(file_name="june.xlsx", outcome=ImportRun.Outcome.IMPORTED)
    assert f"Draft #{draft.id} is not shown on this page:" in page
    assert f"Same file as import #{operator.id} of " in page
