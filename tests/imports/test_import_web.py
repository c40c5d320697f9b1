"""The staff import pages (issue 3, "Web"): who may reach them, upload → preview → confirm or
cancel, the errors CSV, the history and restore. Workbooks are built in memory."""

import csv
import datetime
import hashlib
import html
import io
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from imports.mapping import column_options
from imports.models import ColumnMapping, ImportRun, RunEvent
from imports.preview import CommuneFigures, _commune_order
from imports.services import report_import, report_preview
from tests.gate import PASSWORD, draft_publish, logged_in
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
    village_sheet,
)
from units.domain.names import unit_sort_key
from units.models import Level, Status, Unit, VillageFigure

pytestmark = pytest.mark.django_db
DEC_2017 = datetime.date(2017, 12, 31)
TOKEN = "a" * 64


@pytest.fixture(autouse=True)
def staging(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path / "staging"
    return settings.IMPORT_STAGING_DIR


def user_make(username: str, *, may_import: bool):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    if may_import:
        user.user_permissions.add(
            Permission.objects.get(codename="run_import", content_type__app_label="imports")
        )
    return user


def bad_report():
    """Three errors: members that do not add up, an unknown status, a wrong subtotal."""
    rows = mung_tung_rows()
    rows[3] = village(2, "Bản Huổi Lèng", 14, 12, 1, OWN, admissions=1)
    rows[4] = village(3, "Bản Nậm Piền", 2, 2, 0, "@SUM(1+1)", host="Bản Huổi Lèng")
    return village_report(rows)


BAD_REPORT_ERRORS = [
    "Mường Chà, 11, D (Tổng số đảng viên), 14, Full members (12) plus probationary members (1) "
    "make 13, not the 14 members given.",
    'Mường Chà, 12, G (Tình trạng chi bộ), @SUM(1+1), Unknown status: write "Có chi bộ độc lập", '
    '"Sinh hoạt ghép" or "Chưa có đảng viên".',
    "Mường Chà, 13, F (Dự bị), 2, Cộng xã gives 2, but the rows it covers add up to 1.",
]


def uploaded(client, file, **data) -> str:
    """Upload `file`; returns its token (its SHA-256) after checking the redirect to the preview."""
    token = hashlib.sha256(file.getvalue()).hexdigest()
    response = client.post(reverse("imports:upload"), {"file": file, **data})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("imports:preview", args=[token])
    return token


def page_text(response, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', response.content.decode(), re.S)
    assert match, f"#{element_id} not on the page"
    return html.unescape(match.group(1)).strip()


def issue_rows(response, kind: str) -> list[str]:
    """The rows of the errors or warnings table, as "sheet, row, column, value, message"."""
    content = response.content.decode()
    table = re.search(rf'<table class="issues {kind}" id="{kind}">(.*?)</table>', content, re.S)
    assert table, f"no {kind} table"
    body = table.group(1).split("<tbody>")[1]
    return [
        ", ".join(html.unescape(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row))
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def imported(workbook, **options) -> ImportRun:
    preview = report_preview(path_or_file=to_file(workbook))
    assert preview.errors == []
    return report_import(preview=preview, **options)


def squeezed(fragment: str) -> str:
    """The text of an HTML fragment, tags out, white space folded."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def text_of(content: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(p|ul)>', content, re.S)
    assert match, element_id
    return squeezed(match.group(1))


def staged_files(staging) -> list:
    return sorted(path.name for path in staging.rglob("*") if path.is_file())


# ---------------------------------------------------------------------------- who may reach it

GET_URLS = [
    reverse("imports:upload"),
    reverse("imports:template"),
    reverse("imports:history"),
    reverse("imports:run", args=[1]),
    reverse("imports:preview", args=[TOKEN]),
    reverse("imports:errors_csv", args=[TOKEN]),
    reverse("imports:restore", args=[1]),
]
POST_URLS = [
    reverse("imports:upload"),
    reverse("imports:confirm", args=[TOKEN]),
    reverse("imports:cancel", args=[TOKEN]),
    reverse("imports:restore", args=[1]),
]


@pytest.mark.parametrize("url", GET_URLS)
def test_anonymous_get_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("url", POST_URLS)
def test_anonymous_post_is_sent_to_log_in_and_writes_nothing(client, province, staging, url):
    before = database_counts()
    runs = ImportRun.objects.count()
    response = client.post(url, {"file": to_file(village_report()), "replace": "on"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    assert database_counts() == before
    assert ImportRun.objects.count() == runs
    assert not staging.exists()


@pytest.mark.parametrize("url", GET_URLS + POST_URLS)
def test_logged_in_without_the_permission_is_forbidden(client, province, staging, url):
    logged_in(client, user_make("reader", may_import=False))
    before = database_counts()
    assert client.get(url).status_code == 403
    assert client.post(url, {"file": to_file(village_report())}).status_code == 403
    assert database_counts() == before
    assert not staging.exists()


def test_login_page_logs_staff_in_and_goes_on_to_the_import_page(client, staff):
    url = reverse("imports:upload")
    form = client.get(f"{reverse('login')}?next={url}")
    assert form.status_code == 200
    assert f'name="next" value="{url}"' in form.content.decode()
    response = client.post(
        reverse("login"), {"username": "staff", "password": PASSWORD, "next": url}
    )
    assert (response.status_code, response["Location"]) == (302, url)
    assert client.get(url).status_code == 200


def test_footer_links_to_the_importer_only_for_staff(client, staff):
    link = f'href="{reverse("imports:upload")}"'
    assert link not in client.get(reverse("login")).content.decode()
    logged_in(client, user_make("reader", may_import=False))
    assert link not in client.get(reverse("login")).content.decode()
    logged_in(client, staff)
    assert link in client.get(reverse("login")).content.decode()


# ---------------------------------------------------------------------------- upload and preview


def test_upload_page_offers_the_template_and_the_history(staff_client):
    content = staff_client.get(reverse("imports:upload")).content.decode()
    assert f'href="{reverse("imports:template")}"' in content
    assert f'href="{reverse("imports:history")}"' in content
    assert 'type="file"' in content and 'name="replace"' in content and 'name="date"' in content


def test_template_download_is_the_importers_template(staff_client):
    response = staff_client.get(reverse("imports:template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "village-report-template.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[5]]
    assert "Thôn, bản, TDP" in header and "Tổng số đảng viên" in header


def test_good_file_preview_then_confirm_imports_it(staff_client, staff, province, staging):
    token = uploaded(staff_client, to_file(village_report()))
    assert staged_files(staging) == [token]
    assert (staging / f"user-{staff.pk}" / token).is_file()
    assert VillageFigure.objects.count() == 0

    preview = staff_client.get(reverse("imports:preview", args=[token]))
    assert preview.status_code == 200
    assert page_text(preview, "shape") == "Village report"
    assert page_text(preview, "report-date") == "31/12/2017"
    assert page_text(preview, "scope") == "Xã Mường Tùng"
    assert page_text(preview, "sheets") == "Mường Chà"
    counts = {
        key: page_text(preview, f"count-{key}")
        for key in ("rows", "new", "changed", "unchanged", "not-reported")
    }
    assert counts == {
        "rows": "3",
        "new": "0",
        "changed": "3",
        "unchanged": "0",
        "not-reported": "1",
    }
    assert issue_rows(preview, "warnings") == [
        "Mường Chà, 9, , , 1 village of Xã Mường Tùng is not in this report and stays not "
        "reported on 31/12/2017: Bản Huổi Điết."
    ]
    assert 'id="communes"' in preview.content.decode()
    assert 'id="confirm"' in preview.content.decode()
    assert VillageFigure.objects.count() == 0

    response = staff_client.post(reverse("imports:confirm", args=[token]))
    run = ImportRun.objects.get(outcome=ImportRun.Outcome.DRAFT)
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("imports:run", args=[run.id]),
    )
    assert VillageFigure.objects.count() == 0  # a draft until another staff member publishes
    assert staff_client.get(response["Location"]).content.decode().count('id="draft-notice"') == 1
    run = draft_publish(run)
    assert (run.user, run.file_name, run.date, run.scope) == (
        staff,
        "report.xlsx",
        DEC_2017,
        province.muong_tung,
    )
    assert VillageFigure.objects.filter(import_run=run).count() == 3
    assert VillageFigure.objects.get(village=province.villages["Bản Huổi Lèng"]).members == 14
    assert staged_files(staging) == []

    result = staff_client.get(response["Location"]).content.decode()
    for unit in (province.province, province.muong_cha, province.muong_tung):
        assert f'href="{reverse("unit", args=[unit.id])}?date=2017-12-31"' in result
    assert "3 rows: 0 new villages, 3 changed, 0 unchanged, 1 not reported." in result


def test_preview_shows_commune_figures_before_and_after(staff_client, province):
    imported(village_report())
    rows = mung_tung_rows()
    rows[2] = village(1, "Bản Nậm Cang 1", 1, 1, 0, JOINED, host="Bản Huổi Lèng")
    rows[5] = [None, "Cộng xã", None, 17, 15, 2, None, None, 1, None]
    june = village_report(rows, date_line="Số liệu tính đến ngày 30/06/2018")
    token = uploaded(staff_client, to_file(june))
    response = staff_client.get(reverse("imports:preview", args=[token]))
    table = re.search(r'id="communes">(.*?)</table>', response.content.decode(), re.S).group(1)
    assert "Before: the figures held at 31/12/2017; after: with this report" in table
    body = table.split("<tbody>")[1]
    cells = [html.unescape(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body)]
    # commune, district, then (before, after) for villages, own cell, joined, no member,
    # not reported, members; then new villages.
    assert cells == [
        "Xã Mường Tùng",
        "Huyện Mường Chà",
        *("4", "4", "1", "1", "1", "2", "1", "0", "1", "1", "16", "17"),
        "0",
    ]
    assert (page_text(response, "count-changed"), page_text(response, "count-unchanged")) == (
        "1",
        "2",
    )


def test_a_preview_after_the_reform_has_no_district_column(staff_client, province):
    rows = [["TỔNG CỘNG", None, None, 16, 14, 2, None, None, 1], *mung_tung_rows()[1:5]]
    rows[1] = section("I", "Xã Mường Tùng")
    report = village_report(rows, date_line="Số liệu tính đến ngày 30/09/2025")
    token = uploaded(staff_client, to_file(report))
    response = staff_client.get(reverse("imports:preview", args=[token]))
    table = re.search(r'id="communes">(.*?)</table>', response.content.decode(), re.S).group(1)
    head = [html.unescape(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", table.split("<tbody>")[0])]
    assert head[0] == "Commune" and "District" not in head
    body = table.split("<tbody>")[1]
    cells = [html.unescape(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body)]
    assert cells[:3] == ["Xã Mường Tùng", "—", "4"]  # the commune, its villages before, after


def test_the_preview_says_why_a_sheet_was_skipped(staff_client, province):
    report = village_report()
    report.create_sheet("Ghi chú").append(["Số liệu do các huyện ủy báo cáo."])
    token = uploaded(staff_client, to_file(report))
    response = staff_client.get(reverse("imports:preview", args=[token]))
    assert page_text(response, "skipped-sheets") == "Ghi chú (no table of villages found)"


def test_the_preview_lists_communes_in_vietnamese_order():
    names = ["Xã Núa Ngam", "Xã Nậm Kè", "Phường Mường Thanh", "Phường Điện Biên Phủ", "Xã Ẳng Tở"]
    # As load_units stores them: the preview orders by the stored key, not by working it out.
    communes = [
        CommuneFigures(
            Unit(name=name, level=Level.COMMUNE, sort_key=unit_sort_key(name, "commune"))
        )
        for name in names
    ]
    ordered = [figures.commune.name for figures in sorted(communes, key=_commune_order)]
    assert ordered == [
        "Xã Ẳng Tở",
        "Phường Điện Biên Phủ",
        "Phường Mường Thanh",
        "Xã Nậm Kè",
        "Xã Núa Ngam",
    ]


def test_the_same_figures_again_preview_as_unchanged_against_the_same_date(staff_client, province):
    """Issue 13: figures at 30/9/2017 and 31/12/2017 held, then a file with the 31/12/2017
    figures again (another file: not the same-file no-op). The counts compare with 31/12/2017,
    the date the table shows, not with 30/9/2017."""
    rows = mung_tung_rows()
    rows[3] = village(2, "Bản Huổi Lèng", 10, 8, 2, OWN, admissions=1)
    rows[5] = [None, "Cộng xã", None, 12, 10, 2, None, None, 1, None]
    imported(village_report(rows, date_line="Số liệu tính đến ngày 30/09/2017"))
    imported(village_report())
    again = village_report(title_lines=["BAN TỔ CHỨC TỈNH ỦY ĐIỆN BIÊN", "Bản gửi lại"])
    token = uploaded(staff_client, to_file(again))
    response = staff_client.get(reverse("imports:preview", args=[token]))
    assert (page_text(response, "count-changed"), page_text(response, "count-unchanged")) == (
        "0",
        "3",
    )
    table = re.search(r'id="communes">(.*?)</table>', response.content.decode(), re.S).group(1)
    assert "Before: the figures held at 31/12/2017; after: with this report" in table


def test_a_refused_upload_is_described_with_its_real_size(staff_client, staging):
    file = io.BytesIO(b"STT,Thon,Dang vien\n1,Ban A,3")  # 28 bytes, a CSV renamed
    file.name = "report.xlsx"
    token = uploaded(staff_client, file)
    response = staff_client.get(reverse("imports:preview", args=[token]))
    meta = re.search(r'<p class="meta">(.*?)</p>', response.content.decode(), re.S).group(1)
    assert html.unescape(meta).startswith("28\xa0bytes · SHA-256")
    staff_client.post(reverse("imports:confirm", args=[token]))
    assert ImportRun.objects.get(outcome=ImportRun.Outcome.REFUSED).size == 28


def test_bad_file_shows_every_error_located_and_cannot_be_confirmed(staff_client, province):
    token = uploaded(staff_client, to_file(bad_report()))
    response = staff_client.get(reverse("imports:preview", args=[token]))
    assert response.status_code == 200
    assert issue_rows(response, "errors") == BAD_REPORT_ERRORS
    content = response.content.decode()
    assert 'id="confirm"' not in content
    # Figures that leave out the rows in error would mislead: none until the file is clean.
    assert 'id="communes"' not in content and 'id="count-changed"' not in content
    assert f'href="{reverse("imports:errors_csv", args=[token])}"' in content
    assert "This report has 3 errors" in page_text(response, "has-errors")


def test_errors_csv_lists_each_error_with_its_row_formula_safe(staff_client, province):
    token = uploaded(staff_client, to_file(bad_report(), name="Báo cáo.xlsx"))
    response = staff_client.get(reverse("imports:errors_csv", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "B%C3%A1o%20c%C3%A1o-errors.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["Sheet", "Row", "Column", "Value", "Error", *"ABCDEFGHI"]
    assert rows[1] == [
        "Mường Chà",
        "11",
        "D (Tổng số đảng viên)",
        "14",
        "Full members (12) plus probationary members (1) make 13, not the 14 members given.",
        *("2", "Bản Huổi Lèng", "", "14", "12", "1", "Có chi bộ độc lập", "", "1"),
    ]
    # A cell a spreadsheet would run as a formula is written as text, in the value and the row.
    assert rows[2][:4] == ["Mường Chà", "12", "G (Tình trạng chi bộ)", "'@SUM(1+1)"]
    assert rows[2][5:] == [
        *("3", "Bản Nậm Piền", "", "2", "2", "0", "'@SUM(1+1)", "Bản Huổi Lèng", "0")
    ]
    assert rows[3][:3] == ["Mường Chà", "13", "F (Dự bị)"]
    assert len(rows) == 4


def test_confirm_with_errors_is_refused_and_writes_nothing(staff_client, province, staging):
    token = uploaded(staff_client, to_file(bad_report()))
    before = database_counts()
    response = staff_client.post(reverse("imports:confirm", args=[token]), {"replace": "on"})
    assert response.status_code == 400
    assert page_text(response, "refused") == (
        "Nothing was imported: this report has 3 errors, listed below."
    )
    assert issue_rows(response, "errors") == BAD_REPORT_ERRORS
    assert database_counts() == before
    assert ImportRun.objects.get().outcome == ImportRun.Outcome.REFUSED
    assert staged_files(staging) == [token]


def test_unreadable_file_says_why(staff_client):
    file = io.BytesIO(b"STT;Thon;Dang vien\n1;Ban A;3\n")
    file.name = "report.xlsx"
    token = uploaded(staff_client, file)
    response = staff_client.get(reverse("imports:preview", args=[token]))
    assert issue_rows(response, "errors") == [
        ", , , , This file is not a workbook that can be read (.xlsx, .xlsm, .xls or .ods): it "
        "may be a renamed CSV or PDF file."
    ]
    response = staff_client.get(reverse("imports:errors_csv", args=[token]))
    rows = list(csv.reader(io.StringIO(response.content.decode()[1:])))
    assert rows == [
        ["Sheet", "Row", "Column", "Value", "Error"],
        ["", "", "", "", rows[1][4]],
    ]
    assert rows[1][4].startswith("This file is not a workbook")


def test_date_given_on_upload_must_agree_with_the_file(staff_client, province):
    token = uploaded(staff_client, to_file(village_report()), date="2018-06-30")
    response = staff_client.get(reverse("imports:preview", args=[token]))
    errors = issue_rows(response, "errors")
    assert len(errors) == 1 and "31/12/2017" in errors[0] and "30/06/2018" in errors[0]


def test_same_file_again_says_there_is_nothing_to_do(staff_client, province):
    workbook_file = to_file(village_report())
    data = workbook_file.getvalue()
    first = report_import(preview=report_preview(path_or_file=io.BytesIO(data)))
    token = uploaded(staff_client, workbook_file)
    response = staff_client.get(reverse("imports:preview", args=[token]))
    notice = page_text(response, "same-file")
    assert notice.startswith(f"Same file as import #{first.id} of ")
    assert notice.endswith(": nothing to do.")
    before = database_counts()
    confirmed = staff_client.post(reverse("imports:confirm", args=[token]))
    run = ImportRun.objects.get(outcome=ImportRun.Outcome.UNCHANGED)
    assert confirmed["Location"] == reverse("imports:run", args=[run.id])
    assert database_counts() == before | {"runs_not_refused": before["runs_not_refused"] + 1}


def test_confirm_makes_the_preview_again_and_needs_replace(staff_client, province):
    """The preview was clean when shown; another import for the date and scope came in since."""
    token = uploaded(staff_client, to_file(village_report(), name="second.xlsx"))
    assert 'id="conflict"' not in staff_client.get(f"/import/{token}/").content.decode()
    rows = mung_tung_rows()
    rows[3] = village(2, "Bản Huổi Lèng", 13, 11, 2, OWN, admissions=1)
    rows[5] = [None, "Cộng xã", None, 15, 13, 2, None, None, 1, None]
    first = imported(village_report(rows))

    refused = staff_client.post(reverse("imports:confirm", args=[token]))
    assert refused.status_code == 409
    assert page_text(refused, "refused").startswith(
        "Nothing was imported: Figures for 31/12/2017 in Xã Mường Tùng are already held (3 rows, "
        f"from #{first.id} report.xlsx)"
    )
    assert (
        page_text(refused, "conflict-count")
        == "3 figures are already held for this date and scope."
    )
    assert 'name="replace"' in refused.content.decode()
    assert VillageFigure.objects.get(village=province.villages["Bản Huổi Lèng"]).members == 13

    response = staff_client.post(reverse("imports:confirm", args=[token]), {"replace": "on"})
    assert response.status_code == 302
    draft_publish()
    assert VillageFigure.objects.get(village=province.villages["Bản Huổi Lèng"]).members == 14
    first.refresh_from_db()
    assert first.outcome == ImportRun.Outcome.REPLACED


def test_replace_ticked_on_upload_is_carried_to_the_confirm_form(staff_client, province):
    imported(village_report())
    rows = mung_tung_rows()
    rows[4] = village(3, "Bản Nậm Piền", 3, 3, 0, OWN)
    rows[5] = [None, "Cộng xã", None, 17, 15, 2, None, None, 1, None]
    token = uploaded(staff_client, to_file(village_report(rows)), replace="on")
    content = staff_client.get(f"/import/{token}/").content.decode()
    assert re.search(r'<input type="checkbox" name="replace"[^>]*checked', content)


def test_cancel_deletes_the_staged_file(staff_client, province, staging):
    token = uploaded(staff_client, to_file(village_report()))
    assert staged_files(staging) == [token]
    response = staff_client.post(reverse("imports:cancel", args=[token]))
    assert response["Location"] == reverse("imports:upload")
    assert staged_files(staging) == []
    assert staff_client.get(reverse("imports:preview", args=[token])).status_code == 404
    assert staff_client.post(reverse("imports:confirm", args=[token])).status_code == 404
    assert VillageFigure.objects.count() == 0
    message = staff_client.get(reverse("imports:upload")).content.decode()
    assert "Cancelled: report.xlsx was deleted, nothing was imported." in message


def test_an_upload_belongs_to_the_user_who_made_it(client, staff, province, staging):
    token = uploaded(logged_in(client, staff), to_file(village_report()))
    other = logged_in(client, user_make("other", may_import=True))
    assert other.get(reverse("imports:preview", args=[token])).status_code == 404
    assert other.post(reverse("imports:confirm", args=[token])).status_code == 404
    assert other.post(reverse("imports:cancel", args=[token])).status_code == 404
    assert VillageFigure.objects.count() == 0
    assert staged_files(staging) == [token]


def test_a_staged_file_gone_from_disk_asks_for_the_upload_again(staff_client, staging):
    token = uploaded(staff_client, to_file(village_report()))
    next(staging.rglob(token)).unlink()
    response = staff_client.get(reverse("imports:preview", args=[token]), follow=True)
    assert response.redirect_chain == [(reverse("imports:upload"), 302)]
    assert "The uploaded file is no longer kept: upload it again." in response.content.decode()


def test_oversize_upload_is_refused_with_a_message(staff_client, settings, staging):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    response = staff_client.post(reverse("imports:upload"), {"file": to_file(village_report())})
    assert response.status_code == 200
    message = page_text(response, "error-file")
    assert re.fullmatch(r"This file is [\d.]+\xa0KB, more than the limit of 1\.0\xa0KB\.", message)
    assert not staging.exists()


# ---------------------------------------------------------------------------- column mapping

PLACE_HEADER = ["STT", "Địa bàn", "Thôn, bản, TDP", "Tổng số đảng viên", "Tình trạng chi bộ"]
PLACE_ROWS = [
    [1, "Xã Mường Tùng", "Bản Nậm Cang 1", 0, NONE],
    [2, "Xã Mường Tùng", "Bản Huổi Lèng", 14, OWN],
]
# Said once for the sheet, at its header, with the way to fix it (not once a village).
NO_COMMUNE_ERRORS = [
    "Mường Chà, 5, , , No commune for the villages of this sheet: no column reads as “Xã, "
    "phường, thị trấn” and no commune section row (“Xã …”) stands above them. Headers not "
    "recognised, with the field each is closest to: B “Địa bàn” (close to no field). Say which "
    "column holds the communes under “Which column is which” (on the command line: --column "
    "commune=LETTER)."
]
PLACE_COLUMNS = {"column_0": "row_number", "column_1": "commune", "column_2": "village"}
PLACE_COLUMNS |= {"column_3": "members", "column_4": "status"}


def place_report(**options):
    return village_report(PLACE_ROWS, header=PLACE_HEADER, subheader=None, numbers=None, **options)


def selected(response, name: str) -> str:
    """The option selected in the <select name=...> of the column-mapping form."""
    select = re.search(rf'<select name="{name}".*?</select>', response.content.decode(), re.S)
    assert select, f"no select {name}"
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(0))
    return chosen.group(1) if chosen else ""


def test_a_column_not_recognised_is_mapped_on_the_preview_and_remembered(
    staff_client, staff, province
):
    token = uploaded(staff_client, to_file(place_report()))
    response = staff_client.get(reverse("imports:preview", args=[token]))
    assert issue_rows(response, "errors") == NO_COMMUNE_ERRORS
    assert 'id="column-mapping" open' in response.content.decode()
    assert [selected(response, f"column_{index}") for index in range(5)] == [
        "row_number",
        "",
        "village",
        "members",
        "status",
    ]

    response = staff_client.post(
        reverse("imports:columns", args=[token]),
        {"sheet": "Mường Chà", **PLACE_COLUMNS},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("imports:preview", args=[token]), 302)]
    assert "Columns remembered for files with these headers" in response.content.decode()
    assert 'id="errors"' not in response.content.decode()
    assert page_text(response, "count-rows") == "2"
    mapping = ColumnMapping.objects.get()
    assert (mapping.columns, mapping.user) == (
        {"A": "row_number", "B": "commune", "C": "village", "D": "members", "E": "status"},
        staff,
    )
    assert mapping.headers["B"] == "Địa bàn"

    # The next file with the same headers (another date, another title) is read with them.
    later = place_report(title_lines=["HUYỆN ỦY MƯỜNG CHÀ"], date_line="Tính đến 30/06/2018")
    token = uploaded(staff_client, to_file(later))
    response = staff_client.get(reverse("imports:preview", args=[token]))
    assert 'id="errors"' not in response.content.decode()
    assert page_text(response, "count-rows") == "2"
    assert "Columns chosen before are applied." in response.content.decode()


def option_labels(response, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', response.content.decode(), re.S)
    return [html.unescape(label) for label in re.findall(r">([^<]*)</option>", select.group(0))]


@pytest.mark.parametrize(
    ("date_line", "commune", "district"),
    [
        ("Tính đến 31/12/2017", "Xã, phường, thị trấn", True),
        ("Tính đến 30/09/2025", "Xã, phường, đặc khu", False),  # no thị trấn, no huyện
    ],
)
def test_the_mapping_form_names_the_units_of_the_reports_date(
    staff_client, province, date_line, commune, district
):
    token = uploaded(staff_client, to_file(place_report(date_line=date_line)))
    response = staff_client.get(reverse("imports:preview", args=[token]))
    labels = option_labels(response, "column_1")
    assert commune in labels
    assert ("Huyện, thành phố, thị xã" in labels) is district
    if not district:
        assert not [label for label in labels if "thị trấn" in label or "Huyện" in label]


def test_the_mapping_form_of_a_report_without_a_date_names_no_side_of_the_reform(
    staff_client, province
):
    """No date in the file and none given: the commune level in words true before 1/7/2025
    and after it, not "Xã, phường, thị trấn" (gone with the reform)."""
    token = uploaded(staff_client, to_file(place_report(date_line=None)))
    response = staff_client.get(reverse("imports:preview", args=[token]))
    labels = option_labels(response, "column_1")
    assert "Commune level (xã, phường …)" in labels
    assert "District level (before 1/7/2025)" in labels
    assert not [label for label in labels if "thị trấn" in label or "đặc khu" in label]
    with translation.override("vi"):
        options = dict(column_options(ImportRun.Shape.VILLAGE_REPORT))
        assert str(options["commune"]) == "Cấp xã (xã, phường …)"
        assert str(options["district"]) == "Cấp huyện (trước 1/7/2025)"


def test_a_field_given_two_columns_is_refused_on_the_mapping_form(staff_client, province):
    token = uploaded(staff_client, to_file(place_report()))
    columns = PLACE_COLUMNS | {"column_1": "village"}
    response = staff_client.post(
        reverse("imports:columns", args=[token]), {"sheet": "Mường Chà", **columns}
    )
    assert response.status_code == 400
    assert "village is given two columns: B, C." in html.unescape(response.content.decode())
    assert not ColumnMapping.objects.exists()


# ---------------------------------------------------------------------------- history, restore


def test_history_lists_runs_and_restores_a_replaced_one(
    publisher_client, staff, publisher, province, django_assert_num_queries
):
    """Imported by `staff`, restored by a publisher (restoring needs the permission to publish:
    tests/imports/test_publish_views.py)."""
    first = imported(village_report(), user=staff)
    rows = mung_tung_rows()
    rows[2] = village(1, "Bản Nậm Cang 1", 1, 1, 0, JOINED, host="Bản Huổi Lèng")
    rows[5] = [None, "Cộng xã", None, 17, 15, 2, None, None, 1, None]
    second = report_import(
        preview=report_preview(path_or_file=to_file(village_report(rows), name="corrected.xlsx")),
        replace=True,
        user=staff,
    )
    cang = province.villages["Bản Nậm Cang 1"]
    assert VillageFigure.objects.get(village=cang).status == Status.JOINED

    # The runs' events in one more; the data version, whether to show base.html's line on
    # synthetic villages, in one more (a public page reads it anyway).
    with django_assert_num_queries(8):
        response = publisher_client.get(reverse("imports:history"))
    content = response.content.decode()
    first_row = re.search(rf'<tr id="run-{first.id}".*?</tr>', content, re.S).group(0)
    second_row = re.search(rf'<tr id="run-{second.id}".*?</tr>', content, re.S).group(0)
    assert content.index(f'id="run-{second.id}"') < content.index(f'id="run-{first.id}"')
    for text in ("report.xlsx", first.sha256[:12], "staff", "31/12/2017", "Xã Mường Tùng"):
        assert text in first_row
    assert "Village report" in first_row
    assert "Replaced by another import" in first_row
    assert f'id="restore-{first.id}"' in first_row
    assert "corrected.xlsx" in second_row and "restore-" not in second_row

    # The link leads to a page that says what will change, and changes nothing.
    before = database_counts()
    response = publisher_client.get(reverse("imports:restore", args=[first.id]))
    content = response.content.decode()
    assert text_of(content, "restore-summary") == (
        "3 figures for 31/12/2017 in Xã Mường Tùng will be current again."
    )
    assert text_of(content, "restore-aside") == (
        f"3 figures of import #{second.id} (corrected.xlsx) will be kept in the history, to be "
        "restored in turn."
    )
    changes = re.search(r'<table class="restore-changes".*?</table>', content, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", changes, re.S)
    assert [squeezed(row) for row in rows[1:]] == [
        # villages, own cell, joined, no members, not reported, members, admitted
        "31/12/2017 Tỉnh Điện Biên 5 → 5 1 → 1 2 → 1 0 → 1 2 → 2 17 → 16 1 → 1",
        "31/12/2017 Huyện Mường Chà 4 → 4 1 → 1 2 → 1 0 → 1 1 → 1 17 → 16 1 → 1",
        "31/12/2017 Xã Mường Tùng 4 → 4 1 → 1 2 → 1 0 → 1 1 → 1 17 → 16 1 → 1",
    ]
    assert database_counts() == before
    assert VillageFigure.objects.get(village=cang).status == Status.JOINED

    response = publisher_client.post(reverse("imports:restore", args=[first.id]), follow=True)
    assert response.redirect_chain == [(reverse("imports:history"), 302)]
    assert f"Import #{first.id} restored: its figures are current again." in (
        response.content.decode()
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.outcome, second.outcome) == (
        ImportRun.Outcome.IMPORTED,
        ImportRun.Outcome.REPLACED,
    )
    assert VillageFigure.objects.get(village=cang).status == Status.NO_MEMBERS
    assert [(event.action, event.user) for event in first.events.all()] == [
        (RunEvent.Action.RESTORED, publisher)
    ]
    events = text_of(response.content.decode(), f"events-{first.id}")
    assert events.startswith("Restored by publisher, ")


def test_restore_of_a_run_that_was_not_replaced_says_so(publisher_client, province):
    run = imported(village_report())
    response = publisher_client.post(reverse("imports:restore", args=[run.id]), follow=True)
    assert f"Import #{run.id} is not a replaced import: there is nothing to restore." in (
        response.content.decode()
    )
    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.IMPORTED


def test_restore_page_of_a_unit_summary_in_vietnamese(publisher_client, staff, province):
    """A unit summary's figures are not village coverage: the page counts them and says that no
    unit's village figures change; in Vietnamese, as staff read it by default."""
    header = ["STT", "Đơn vị", "Tổng số thôn, bản", "Tổng số đảng viên"]
    versions = []
    for members in (250, 260):
        workbook = Workbook()
        village_sheet(
            workbook.active, [[1, "Xã Mường Tùng", 18, members]], header=header, subheader=None,
            numbers=None,
        )  # fmt: skip
        versions.append(imported(workbook, user=staff, replace=bool(versions)))
    publisher_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "vi"
    response = publisher_client.get(reverse("imports:restore", args=[versions[0].id]))
    content = response.content.decode()
    assert f"Khôi phục lần nhập #{versions[0].id}" in content
    assert text_of(content, "restore-summary") == (
        "2 số liệu ngày 31/12/2017 của Xã Mường Tùng sẽ được dùng lại."
    )
    assert text_of(content, "restore-no-change") == "Không có số liệu của đơn vị nào thay đổi."


def test_restore_page_of_a_run_that_was_not_replaced_says_so(publisher_client, province):
    run = imported(village_report())
    response = publisher_client.get(reverse("imports:restore", args=[run.id]), follow=True)
    assert response.redirect_chain == [(reverse("imports:history"), 302)]
    assert f"Import #{run.id} is not a replaced import: there is nothing to restore." in (
        response.content.decode()
    )


def test_unit_summary_preview_lists_the_unit_figures(staff_client, province):
    """The second shape: one row per commune with counts; previewed with its own table."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tổng hợp"
    sheet.append(["Số liệu tính đến ngày 31/12/2017"])
    sheet.append(["STT", "Đơn vị", "Tổng số thôn, bản", "Số thôn có chi bộ", "Số đảng viên"])
    sheet.append([1, "Xã Mường Tùng", 4, 1, 16])
    sheet.append([2, "Xã Huổi Lèng", 3, 2, 20])
    token = uploaded(staff_client, to_file(workbook))
    response = staff_client.get(reverse("imports:preview", args=[token]))
    errors = issue_rows(response, "errors") if 'id="errors"' in response.content.decode() else []
    assert errors == []
    assert page_text(response, "shape") == "Unit summary"
    assert page_text(response, "count-rows") == "2"
    assert 'id="units"' in response.content.decode()
