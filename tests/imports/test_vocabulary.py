"""The glossary (imports/vocabulary.py, imports/fields.py): real-shaped headers and status texts,
each read as the field or status it names, or refused on purpose (None) because it names
something else or could mean two things. docs/import-format.md, "Vocabulary"."""

import pytest

from imports.fields import Shape, closest_field, header_field
from imports.values import BadValue, status_parse
from units.models import Status

VILLAGE_HEADERS = [
    # row number
    ("STT", "row_number"),
    ("TT", "row_number"),
    ("Số TT", "row_number"),
    ("Số thứ tự", "row_number"),
    # the village
    ("Thôn, bản, TDP", "village"),
    ("Thôn, bản, tổ dân phố", "village"),
    ("Tên thôn, bản, tổ dân phố", "village"),
    ("Tên thôn, tổ dân phố", "village"),
    ("Thôn, bản, tổ dân phố, khu phố", "village"),
    ("Tên thôn/bản", "village"),
    ("Thôn/bản", "village"),
    ("THÔN, BẢN", "village"),
    ("Thôn, xóm, ấp", "village"),
    ("Buôn, làng", "village"),
    ("Bon, buôn, plây", "village"),
    ("Tên khu phố", "village"),
    ("Đơn vị", "village"),
    ("Thon, ban", "village"),  # typed without diacritics
    ("Tên thôn, tổ dân phố sau sáp nhập", "village"),  # villages merged too
    ("Thôn, bản sau sắp xếp", "village"),
    ("Thôn mới", None),  # "mới" alone qualifies communes only: "Bản Mới" is a village's name
    ("Địa bàn", None),  # "bàn", not "bản": a locality, not the village
    ("Bản Nậm Cang 1", None),  # a village's own name, not a header
    ("Số thôn, bản", None),  # a count of villages: no column of a village report
    # the village code
    ("Mã thôn", "village_code"),
    ("Mã bản", "village_code"),
    ("Mã", "village_code"),
    ("Mã xã", None),  # the commune's code is not read
    # the commune
    ("Xã, phường, thị trấn", "commune"),
    ("Xã, phường", "commune"),
    ("Xã, phường, đặc khu", "commune"),
    ("Đơn vị hành chính cấp xã", "commune"),
    ("Đơn vị cấp xã", "commune"),
    ("ĐVHC cấp xã", "commune"),
    ("Xã", "commune"),
    ("Tên xã", "commune"),
    ("Xã/phường/thị trấn", "commune"),
    ("Phường, xã", "commune"),
    ("Xa, phuong", "commune"),  # typed without diacritics
    ("Phương án", None),  # "phương", not "phường"
    # after the reform, the communes "as now": after the reorganisation, after the merger, new
    ("Xã, phường sau sắp xếp", "commune"),
    ("Tên xã, phường, đặc khu sau sáp nhập", "commune"),
    ("Xã mới", "commune"),
    ("Xã, phường mới", "commune"),
    ("Bản Mới", None),  # a village's own name ("Bản Mới" is a common one), not a header
    ("Xã Mới Mường Tùng", None),
    ("Mới", None),
    ("Xã Mường Tùng", None),  # a commune's own name
    # the district
    ("Huyện, thành phố, thị xã", "district"),
    ("Huyện", "district"),
    ("Tên huyện", "district"),
    ("Thị xã, phường", "district"),  # names the district level first
    ("Quận, huyện", "district"),
    # members
    ("Tổng số đảng viên", "members"),
    ("Số đảng viên", "members"),
    ("Số lượng đảng viên", "members"),
    ("Đảng viên", "members"),
    ("Tổng số", "members"),
    ("Tổng số ĐV", "members"),
    ("SL ĐV", "members"),
    ("Số ĐV", "members"),
    ("Tổng số đảng viên (đồng chí)", "members"),
    ("Tổng số đảng viên hiện có của thôn", "members"),
    ("Đảng viên nữ", None),  # a part of the members, not their total
    ("ĐV là người dân tộc thiểu số", None),
    ("Số hộ", None),  # households
    ("Số", None),  # a number of what?
    # full and probationary members
    ("Chính thức", "full_members"),
    ("Đảng viên chính thức", "full_members"),
    ("Trong đó chính thức", "full_members"),
    ("ĐV chính thức", "full_members"),
    ("Dự bị", "probationary_members"),
    ("Đảng viên dự bị", "probationary_members"),
    ("ĐV dự bị", "probationary_members"),
    ("Trong đó", None),  # only the parent of the two
    # the status, in one column
    ("Tình trạng chi bộ", "status"),
    ("Tình trạng", "status"),
    ("Trạng thái", "status"),
    ("Hiện trạng chi bộ", "status"),
    ("Tình trạng CB", "status"),
    ("Tình hình tổ chức đảng", "status"),
    # the status, in three mark columns
    ("Có chi bộ độc lập", "mark_own_cell"),
    ("Chi bộ độc lập", "mark_own_cell"),
    ("Có chi bộ", "mark_own_cell"),
    ("Đã có chi bộ", "mark_own_cell"),
    ("Độc lập", "mark_own_cell"),
    ("Sinh hoạt ghép", "mark_joined"),
    ("Chi bộ ghép", "mark_joined"),
    ("Ghép", "mark_joined"),
    ("Chưa có chi bộ (sinh hoạt ghép)", "mark_joined"),
    ("Chưa có đảng viên", "mark_no_members"),
    ("Chưa có ĐV", "mark_no_members"),
    ("Trắng đảng viên", "mark_no_members"),
    ("Bản trắng", "mark_no_members"),
    ("Chưa có chi bộ", None),  # joined, or no member at all: not said
    # the host cell, admissions, note
    ("Sinh hoạt ghép với", "host"),
    ("Sinh hoạt ghép với chi bộ", "host"),
    ("Ghép với", "host"),
    ("Sinh hoạt cùng chi bộ", "host"),
    ("Kết nạp mới trong kỳ", "admissions"),
    ("Kết nạp mới", "admissions"),
    ("Kết nạp trong kỳ", "admissions"),
    ("Số ĐV kết nạp mới", "admissions"),
    ("Ghi chú", "note"),
    ("Người báo cáo", None),
    ("Tỷ lệ %", None),
    ("Tỉnh", None),
]

SUMMARY_HEADERS = [
    ("Đơn vị", "unit"),
    ("Tên đơn vị", "unit"),
    ("Xã, phường, thị trấn", "unit"),
    ("Huyện, thành phố, thị xã", "unit"),
    ("Tổng số thôn, bản, TDP", "villages_total"),
    ("Tổng số thôn, bản", "villages_total"),
    ("Số thôn, bản", "villages_total"),
    ("Số thôn có chi bộ", "villages_own_cell"),
    ("Thôn, bản có chi bộ", "villages_own_cell"),
    ("Sinh hoạt ghép", "villages_joined"),
    ("Chưa có đảng viên", "villages_no_members"),
    ("Tổ chức cơ sở đảng", "grassroots_orgs"),
    ("TCCSĐ", "grassroots_orgs"),
    ("Số TCCSĐ", "grassroots_orgs"),
    ("Chi bộ trực thuộc", "cells"),
    ("Số chi bộ", "cells"),
    ("Số đảng viên", "members"),
    ("Tổng số", None),  # villages or members: the parent header says which
    ("Số hộ", None),
]

STATUSES = [
    ("Có chi bộ độc lập", Status.OWN_CELL),
    ("Chi bộ độc lập", Status.OWN_CELL),
    ("Độc lập", Status.OWN_CELL),
    ("độc lập", Status.OWN_CELL),
    ("Chi bộ", Status.OWN_CELL),
    ("Có chi bộ", Status.OWN_CELL),
    ("Đã có chi bộ", Status.OWN_CELL),
    ("Có CB", Status.OWN_CELL),
    ("Có chi bộ riêng", Status.OWN_CELL),
    ("Sinh hoạt ghép", Status.JOINED),
    ("Ghép", Status.JOINED),
    ("GHÉP", Status.JOINED),
    ("Chi bộ ghép", Status.JOINED),
    ("Có chi bộ ghép", Status.JOINED),
    ("Sinh hoạt chi bộ ghép", Status.JOINED),
    ("Chưa có chi bộ (sinh hoạt ghép)", Status.JOINED),
    ("Chưa có chi bộ, sinh hoạt ghép", Status.JOINED),
    ("Có đảng viên, chưa có chi bộ", Status.JOINED),
    ("SH ghép với bản Huổi Lèng", Status.JOINED),
    ("Chua co chi bo (sinh hoat ghep)", Status.JOINED),  # typed without diacritics
    ("Chưa có đảng viên", Status.NO_MEMBERS),
    ("Chưa có ĐV", Status.NO_MEMBERS),
    ("Không có đảng viên", Status.NO_MEMBERS),
    ("Trắng", Status.NO_MEMBERS),
    ("Bản trắng", Status.NO_MEMBERS),
    ("Trắng đảng viên", Status.NO_MEMBERS),
    ("Chưa có chi bộ, chưa có đảng viên", Status.NO_MEMBERS),
    ("", None),
    ("  ", None),
]

REFUSED_STATUSES = [
    (
        "Chưa có chi bộ",
        'This status could mean “Sinh hoạt ghép” or “Chưa có đảng viên”: write "Có chi bộ độc '
        'lập", "Sinh hoạt ghép" or "Chưa có đảng viên".',
    ),
    (
        "Có đảng viên",
        'This status could mean “Có chi bộ độc lập” or “Sinh hoạt ghép”: write "Có chi bộ độc '
        'lập", "Sinh hoạt ghép" or "Chưa có đảng viên".',
    ),
    (
        "Độc lập, sinh hoạt ghép",
        "This status could mean “Có chi bộ độc lập”, “Sinh hoạt ghép” or “Chưa có đảng viên”: "
        'write "Có chi bộ độc lập", "Sinh hoạt ghép" or "Chưa có đảng viên".',
    ),
    (
        "Tình trạng tốt",  # "trạng" is no "trắng"
        'Unknown status: write "Có chi bộ độc lập", "Sinh hoạt ghép" or "Chưa có đảng viên".',
    ),
    ("Có", 'Unknown status: write "Có chi bộ độc lập", "Sinh hoạt ghép" or "Chưa có đảng viên".'),
]


pytestmark = pytest.mark.usefixtures("english")


def test_the_table_is_at_least_sixty_headers_and_values():
    assert len(VILLAGE_HEADERS) + len(SUMMARY_HEADERS) + len(STATUSES) >= 60


@pytest.mark.parametrize(("header", "field"), VILLAGE_HEADERS)
def test_village_report_header(header, field):
    assert header_field(Shape.VILLAGE_REPORT, header) == field


@pytest.mark.parametrize(("header", "field"), SUMMARY_HEADERS)
def test_unit_summary_header(header, field):
    assert header_field(Shape.UNIT_SUMMARY, header) == field


@pytest.mark.parametrize(("text", "status"), STATUSES)
def test_status_text(text, status):
    assert status_parse(text) == status


@pytest.mark.parametrize(("text", "message"), REFUSED_STATUSES)
def test_status_text_refused_rather_than_guessed(text, message):
    with pytest.raises(BadValue) as refusal:
        status_parse(text)
    error = refusal.value
    assert str(error.text % error.params if error.params else error.text) == message


@pytest.mark.parametrize(
    ("header", "closest"),
    [
        ("Số đảng viên hiện sinh hoạt", "Tổng số đảng viên"),
        ("Đảng viên nữ", "Tổng số đảng viên"),
        ("Tên xã hoặc phường nơi thôn thuộc", "Xã, phường, thị trấn"),
        ("Người báo cáo", None),
        ("Địa bàn", None),  # "bàn", not the "bản" of "Mã bản"
        ("Cán bộ phụ trách", None),  # a cadre ("cán bộ"), not a cell ("chi bộ")
        ("Địa bàn xã", "Xã, phường, thị trấn"),
        ("So dang vien hien co", "Tổng số đảng viên"),  # typed without diacritics
    ],
)
def test_an_unknown_header_is_named_with_the_field_it_is_closest_to(header, closest):
    field = closest_field(Shape.VILLAGE_REPORT, header)
    assert (field.label if field else None) == closest
