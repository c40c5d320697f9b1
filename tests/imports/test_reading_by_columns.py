"""How a sheet crosses from the reader's child process (imports.reader, imports.isolation): by
columns when its rows are all as wide, through a pipe wide enough for a whole sheet. What the
checks see must be the same cells either way."""

from __future__ import annotations

import datetime
import marshal
import os

import pytest
from python_calamine import CalamineWorkbook

from imports.cells import ColumnRows, Sheet
from imports.isolation import PIPE_SIZE, _pipe_widen
from imports.reader import _sheet_item, workbook_read
from tests.workbooks import to_file, village_report

ROWS = [
    ["BIỂU THỐNG KÊ", "", "", 1.0],
    ["STT", "Tên thôn", "Số ĐV", None],
    [1.0, "Bản Na", 12.0, datetime.date(2017, 12, 31)],
]


def test_a_sheet_by_columns_reads_as_the_same_rows():
    columns = [list(column) for column in zip(*ROWS, strict=True)]
    by_columns = Sheet.from_columns("S", columns, len(ROWS))
    by_rows = Sheet("S", [list(row) for row in ROWS])
    assert isinstance(by_columns.rows, ColumnRows)
    assert len(by_columns.rows) == 3
    assert list(by_columns.rows) == ROWS
    assert by_columns.rows[1] == ROWS[1] and by_columns.rows[-1] == ROWS[-1]
    assert by_columns.rows[:2] == ROWS[:2] and by_columns.rows[1:] == ROWS[1:]
    assert by_columns.rows == by_rows.rows
    for row in range(4):  # one past the last row too
        for column in range(6):  # and past the last column
            assert by_columns.cell(row, column) == by_rows.cell(row, column)
    for column in range(6):
        assert by_columns.column(column) == by_rows.column(column)
    assert by_columns.column(5) == ["", "", ""]
    with pytest.raises(IndexError):
        by_columns.rows[3]


def test_the_child_sends_columns_when_the_rows_are_as_wide_and_rows_otherwise():
    kind, name, cells, height, merged = _sheet_item("S", ROWS, [(0, 0, 0, 2)])
    assert (kind, name, height, merged) == ("columns", "S", 3, [(0, 0, 0, 2)])
    assert cells == [[row[at] for row in ROWS] for at in range(4)]
    ragged = [["a", "b"], ["c"]]
    assert _sheet_item("S", ragged, []) == ("rows", "S", ragged, 2, [])
    assert _sheet_item("S", [], []) == ("rows", "S", [], 0, [])


def test_a_repeated_value_crosses_the_pipe_once_and_keeps_its_type():
    # Each cell its own object, as python-calamine gives them.
    rows = [[f"Bản {n}", "".join(["Có chi", " bộ"]), float(n % 3), n % 2 == 0] for n in range(200)]
    rows.append(["Bản Na", "Có chi bộ", 1.0, 1.0])  # True and 1.0 are equal, not one cell
    item = _sheet_item("S", rows, [])
    names, statuses, counts, marks = marshal.loads(marshal.dumps(item))[2]
    assert names == [row[0] for row in rows] and counts == [row[2] for row in rows]
    assert statuses == ["Có chi bộ"] * 201
    assert all(status is statuses[0] for status in statuses)  # one object, sent once
    assert counts[3] is counts[0] and counts[4] is counts[1]
    assert marks == [row[3] for row in rows]
    assert [type(mark) for mark in marks[-2:]] == [bool, float]
    unshared = ("columns", "S", [list(column) for column in zip(*rows, strict=True)], 201, [])
    assert len(marshal.dumps(item)) < len(marshal.dumps(unshared)) * 0.8


def test_a_workbook_is_read_as_python_calamine_reads_it(tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(to_file(village_report()).getvalue())
    read = workbook_read(path)
    sheet = read.sheets[0]
    assert isinstance(sheet.rows, ColumnRows)  # python-calamine's rows are all as wide
    calamine = CalamineWorkbook.from_path(str(path))
    expected = calamine.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
    assert len(expected) > 10 and list(sheet.rows) == expected


@pytest.mark.skipif(not hasattr(__import__("fcntl"), "F_GETPIPE_SZ"), reason="Linux only")
def test_the_pipe_holds_a_whole_sheet():
    import fcntl

    reading, writing = os.pipe()
    try:
        before = fcntl.fcntl(writing, fcntl.F_GETPIPE_SZ)
        _pipe_widen(writing)
        assert before < PIPE_SIZE <= fcntl.fcntl(writing, fcntl.F_GETPIPE_SZ)
    finally:
        os.close(reading)
        os.close(writing)
