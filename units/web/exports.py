"""Exports of the coverage table: one row generator, one renderer per format (CSV, XLSX, JSON).

Every format takes the rows of `units.reads.coverage_table.coverage_table`, in the page's order,
all pages, with the columns the page shows (the shares in per cent, as numbers rounded as the
page rounds them) and, in CSV and XLSX, the page's totals row last ("Tổng cộng" / "Total" in the
name column); the JSON has the totals in its head. The CSV and the JSON stream their rows after
the view has returned, still inside the request's read transaction
(partystats.middleware.ReadSnapshotMiddleware): rows and totals come from one snapshot.
Text cells that a spreadsheet would run as a formula are neutralised in CSV and XLSX.

The CSV starts with its header row, so `pandas.read_csv` and other tools read it as it is; where
it comes from travels beside it: in the HTTP `Link` and `Content-Disposition` headers, and in its
sidecar, `?format=csv&meta=1` (JSON: source, date, filters, columns), documented in the README.
The XLSX keeps the provenance in its title rows, the JSON in its head.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.formats import date_format
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from units.domain.names import fold
from units.models import REFORM_DATE, Status, level_headings
from units.reads.coverage_table import CoverageRow, CoverageTable, Totals
from units.reads.filters import Group
from units.reads.provenance import Synthetic
from units.templatetags.coverage import village_totals

# A cell starting with one of these is a formula (or the start of one) to Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COUNT_FORMAT = "#,##0"
SHARE_FORMAT = "0.0"  # per cent with one decimal, as the page shows it (12.5, not 0.125)


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key
    label: Promise  # the CSV/XLSX header
    kind: str = "text"  # text | count | share | status | date


DATE = Column("date", gettext_lazy("Date"), "date")
PROVINCE_COLUMNS = [
    Column("province_code", gettext_lazy("Province code")),
    Column("province", gettext_lazy("Province")),
]
# "Thôn, bản" alone would name both the village's name and a count of villages: the contexts
# give them apart ("Tên thôn, bản", "Số thôn, bản").
VILLAGE_FIGURES = [
    Column("village", pgettext_lazy("column: a village's name", "Village")),
    Column("status", gettext_lazy("Status"), "status"),
    Column("members", gettext_lazy("Members"), "count"),
]
VILLAGES_COUNT = Column(
    "villages", pgettext_lazy("column: a count of villages", "Villages"), "count"
)


def _with_percent(label: Promise) -> Promise:
    """ "% with own cell": the "%" passed in (a bare "%" in a message would read as a format to
    gettext's tools)."""
    return lazy(lambda: str(label) % {"percent": "%"}, str)()


# Shares of the reported villages (units.reads.coverage_table annotates them per row).
OWN_CELL_SHARE = Column(
    "own_cell_share", _with_percent(gettext_lazy("%(percent)s with own cell")), "share"
)
MEMBER_SHARE = Column(
    "member_share", _with_percent(gettext_lazy("%(percent)s with a member")), "share"
)
UNIT_FIGURES = [
    VILLAGES_COUNT,
    Column("own_cell", Status.OWN_CELL.label, "count"),
    Column("joined", Status.JOINED.label, "count"),
    Column("no_members", Status.NO_MEMBERS.label, "count"),
    Column("not_reported", Status.NOT_REPORTED.label, "count"),
    Column("members", gettext_lazy("Members"), "count"),
    OWN_CELL_SHARE,
    MEMBER_SHARE,
]
TOTAL_LABEL = gettext_lazy("Total")  # the page's totals row says the same
LEVELS_SHOWN = {
    Group.VILLAGE: ("province", "district", "commune"),
    Group.COMMUNE: ("province", "district", "commune"),
    Group.DISTRICT: ("province", "district"),
    Group.PROVINCE: ("province",),
}


def export_columns(group: Group, date: datetime.date) -> list[Column]:
    """A column per hierarchy level (code and name), then the row's figures. From 1/7/2025
    there are no districts: their columns would be empty, so they go, as on the page."""
    levels = LEVELS_SHOWN[group]
    if date >= REFORM_DATE and group != Group.DISTRICT:
        levels = tuple(level for level in levels if level != "district")
    places = [column for level in levels for column in _place_columns(level, date)]
    figures = VILLAGE_FIGURES if group == Group.VILLAGE else UNIT_FIGURES
    return [DATE, *places, *figures]


def _place_columns(level: str, date: datetime.date) -> list[Column]:
    """A level's code and name columns; the communes' and districts' headed by their kinds at
    the date (`units.models.level_headings`)."""
    headings = level_headings(level, date)
    if headings is None:  # a province is called so on both sides of the reform
        return PROVINCE_COLUMNS
    return [Column(f"{level}_code", headings.code), Column(level, headings.name)]


def export_rows(table: CoverageTable, rows: Iterable[CoverageRow] | None = None) -> Iterator[dict]:
    """Every row of the table (or these of its rows), in order, as {column key: raw value}."""
    for row in table.rows() if rows is None else rows:
        values = {"date": table.date, "village": row.name}
        for level in ("province", "district", "commune"):
            place = getattr(row, level)
            values[f"{level}_code"] = place.code if place else None
            values[level] = place.name if place else None
        for key in ("status", "members", *(c.key for c in UNIT_FIGURES)):
            values[key] = getattr(row, key)
        yield values


def totals_values(table: CoverageTable, totals: Totals) -> dict:
    """The page's totals row under the export's columns: "Total" in the name column (the
    grouping's own), no codes, the counts and shares of every filtered row. Resolved in the
    request's language before a response streams."""
    values: dict = {"date": table.date, table.group.value: str(TOTAL_LABEL)}
    if table.group == Group.VILLAGE:
        values["status"] = village_totals(totals)
        values["members"] = totals.members
        return values
    for column in UNIT_FIGURES:
        values[column.key] = getattr(totals, column.key)
    return values


def neutralise(text: str) -> str:
    """'=HYPERLINK(...)' → "'=HYPERLINK(...)": shown as text, never run by a spreadsheet."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def status_labels() -> dict[str, str]:
    """Statuses in the visitor's language, resolved before a response starts streaming."""
    return {status.value: str(status.label) for status in Status}


def spreadsheet_value(column: Column, value, labels: dict[str, str]):
    """The cell for CSV and XLSX: statuses in words, unknown members empty (never 0)."""
    if value is None:
        return ""
    if column.kind == "status":
        return labels[value]
    if isinstance(value, str):
        return neutralise(value)
    return value


def source_line(table: CoverageTable, page_url: str, totals: Totals) -> str:
    """Where the table comes from; whether its villages are synthetic, from its totals (all
    its rows, not one page's): said for the demo's, never for real reports."""
    values = {"url": page_url, "date": date_format(table.date, "SHORT_DATE_FORMAT")}
    share = totals.synthetic_share
    if share == Synthetic.ALL:
        return (
            _(
                "Source: partystats, %(url)s, figures at %(date)s; village-level demo figures are "
                "synthetic"
            )
            % values
        )
    if share == Synthetic.SOME:
        return (
            _(
                "Source: partystats, %(url)s, figures at %(date)s; some village-level figures are "
                "synthetic demo data"
            )
            % values
        )
    return _("Source: partystats, %(url)s, figures at %(date)s") % values


def source_synthetic(totals: Totals) -> dict:
    """The JSON's source fields on synthetic villages (README, "Exports")."""
    return {
        "synthetic_below_province": bool(totals.synthetic),
        "synthetic_villages": totals.synthetic,
    }


def title(table: CoverageTable) -> str:
    date = date_format(table.date, "SHORT_DATE_FORMAT")
    if table.group == Group.VILLAGE:
        return _("Party coverage of villages, figures at %(date)s") % {"date": date}
    return _("Party coverage of villages by %(group)s, figures at %(date)s") % {
        "group": table.group_name.lower(),
        "date": date,
    }


# A file name's length before its extension: well inside every file system's 255, and the
# search text's part short enough to leave room for the rest.
FILE_NAME_AT_MOST = 150
SEARCH_SLUG_AT_MOST = 40
PLACE_LEVELS = ("province", "district", "commune")


def file_name(table: CoverageTable, extension: str) -> str:
    """`partystats-coverage-<grouping>-<date>`, then the filters applied, so that a downloaded
    file says what it holds (README, "Using the site"). ASCII, no spaces, bounded: it travels in
    a header and through every file system."""
    parts = ["partystats-coverage", table.group.value, table.date.isoformat()]
    stem = "-".join([*parts, *filter_slugs(table.filterset.form.cleaned_data)])
    return f"{stem[:FILE_NAME_AT_MOST].rstrip('-')}.{extension}"


def filter_slugs(cleaned: dict) -> list[str]:
    """The filters a table was asked for, each as a short slug, in the form's order: the places
    by name ("tinh-dien-bien"), the status, the members range, the name searched for, the
    sort ("sort-members-desc")."""
    slugs = [slug(cleaned[level].name) for level in PLACE_LEVELS if cleaned.get(level)]
    if cleaned.get("status"):
        slugs.append(slug(cleaned["status"]))
    slugs += _members_slug(cleaned.get("members_min"), cleaned.get("members_max"))
    if cleaned.get("q") and slug(cleaned["q"]):
        slugs.append("name-" + slug(cleaned["q"])[:SEARCH_SLUG_AT_MOST].rstrip("-"))
    if cleaned.get("sort"):
        sort = cleaned["sort"]
        slugs.append("sort-" + slug(sort) + ("-desc" if sort.startswith("-") else ""))
    return slugs


def _members_slug(least: int | None, most: int | None) -> list[str]:
    if least is not None and most is not None:
        return [f"members-{least}-to-{most}"]
    if least is not None:
        return [f"members-from-{least}"]
    if most is not None:
        return [f"members-to-{most}"]
    return []


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens: "Huổi Đáp" → "huoi-dap"
    (`fold` turns đ into d, which Unicode does not decompose)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def _attachment(response: HttpResponse, name: str, disposition: str = "attachment"):
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response


def _described(response: HttpResponse, page_url: str) -> HttpResponse:
    """RFC 8288 links: the table's page, and the sidecar that describes the CSV."""
    meta_url = _with_query(page_url, "format=csv&meta=1")
    response["Link"] = (
        f'<{page_url}>; rel="alternate"; type="text/html", '
        f'<{meta_url}>; rel="describedby"; type="application/json"'
    )
    return response


def _with_query(url: str, extra: str) -> str:
    return url + ("&" if "?" in url else "?") + extra


class _Line:
    """A file-like object that hands back what csv.writer writes (Django's streaming recipe)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(table: CoverageTable) -> Iterator[str]:
    """UTF-8 with a byte-order mark (so Excel reads Vietnamese), the header row first, the
    totals row last.

    Everything translated is resolved here, before streaming starts, and the totals with it
    (`rows_with_totals`: summed from the rows when they fit in one chunk, else the page's
    aggregate query); the rows are read lazily, from the totals' snapshot.
    """
    writer = csv.writer(_Line())
    columns = export_columns(table.group, table.date)
    labels = status_labels()
    header = "\ufeff" + writer.writerow([neutralise(str(column.label)) for column in columns])
    totals, rows = table.rows_with_totals()
    last = totals_values(table, totals)
    footer = writer.writerow([_csv_total(column, last.get(column.key)) for column in columns])

    def lines() -> Iterator[str]:
        yield header
        for values in export_rows(table, rows):
            yield writer.writerow(
                [_csv_cell(column, values[column.key], labels) for column in columns]
            )
        yield footer

    return _chunks(lines())


CSV_CHUNK_CHARACTERS = 64 * 1024


def _chunks(lines: Iterator[str]) -> Iterator[str]:
    """Lines joined into pieces of about 64 KB: one write per row costs the server a fifth more
    CPU on a national export, and the memory stays as flat."""
    pending: list[str] = []
    size = 0
    for line in lines:
        pending.append(line)
        size += len(line)
        if size >= CSV_CHUNK_CHARACTERS:
            yield "".join(pending)
            pending, size = [], 0
    if pending:
        yield "".join(pending)


def _csv_cell(column: Column, value, labels: dict[str, str]):
    if column.kind == "date":
        return value.isoformat()
    return spreadsheet_value(column, value, labels)


def _csv_total(column: Column, value):
    """A cell of the totals row: words already in the request's language, never a status code."""
    if value is None:
        return ""
    if column.kind == "date":
        return value.isoformat()
    return neutralise(value) if isinstance(value, str) else value


def csv_response(table: CoverageTable, *, page_url: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(table), content_type="text/csv; charset=utf-8")
    return _described(_attachment(response, file_name(table, "csv")), page_url)


def csv_meta(table: CoverageTable, page_url: str) -> dict:
    """What the CSV of the same URL holds: where it comes from and what each column is."""
    kinds = {
        "text": "string",
        "count": "integer",
        "share": "number",
        "status": "string",
        "date": "date",
    }
    totals = table.totals
    return {
        "file": file_name(table, "csv"),
        "csv_url": _with_query(page_url, "format=csv"),
        "page_url": page_url,
        "date": table.date.isoformat(),
        "group": table.group.value,
        "filters": table.filters(),
        "source": {"text": source_line(table, page_url, totals)} | source_synthetic(totals),
        "encoding": "UTF-8 with a byte-order mark; the first line is the header",
        "columns": [
            {"name": str(column.label), "key": column.key, "type": kinds[column.kind]}
            for column in export_columns(table.group, table.date)
        ],
        "totals_row": {"position": "last", "column": table.group.value, "label": str(TOTAL_LABEL)},
        "notes": [
            _("Codes are text: read them as text to keep their leading zeros (pandas: dtype=str)."),
            _("An empty Members cell is a village that was not reported, never zero."),
            _(
                "The last row is the table's totals, as on the page (“%(label)s”, no codes): "
                "leave it out before summing the rows (pandas: frame.iloc[:-1])."
            )
            % {"label": TOTAL_LABEL},
            _("Shares are per cent of the reported villages, rounded to one decimal."),
        ],
    }


def csv_meta_response(table: CoverageTable, *, page_url: str) -> JsonResponse:
    return JsonResponse(csv_meta(table, page_url), json_dumps_params={"ensure_ascii": False})


def xlsx_response(table: CoverageTable, *, page_url: str) -> HttpResponse:
    """A title row, the source, a frozen header row, then the rows with number formats and the
    totals row, in bold."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.date.isoformat())
    sheet.freeze_panes = "A4"  # rows 1–3 (title, source, header) stay in view
    columns = export_columns(table.group, table.date)
    bold = Font(bold=True)
    labels = status_labels()
    totals, rows = table.rows_with_totals()
    sheet.append([_xlsx_cell(sheet, title(table), font=Font(bold=True, size=14))])
    sheet.append([_xlsx_cell(sheet, source_line(table, page_url, totals))])
    sheet.append([_xlsx_cell(sheet, str(column.label), font=bold) for column in columns])
    for values in export_rows(table, rows):
        sheet.append([_xlsx_value(sheet, column, values[column.key], labels) for column in columns])
    last = totals_values(table, totals)
    sheet.append([_xlsx_total(sheet, column, last.get(column.key)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _attachment(response, file_name(table, "xlsx"))


def _xlsx_cell(sheet, value, *, font: Font | None = None, number_format: str | None = None):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # a string, even one that looks like a formula
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell


NUMBER_FORMATS = {"date": "DD/MM/YYYY", "count": COUNT_FORMAT, "share": SHARE_FORMAT}


def _xlsx_value(sheet, column: Column, value, labels: dict[str, str]):
    if column.kind == "date" or (column.kind in NUMBER_FORMATS and value is not None):
        return _xlsx_cell(sheet, value, number_format=NUMBER_FORMATS[column.kind])
    value = spreadsheet_value(column, value, labels)
    if value is None or (isinstance(value, str) and not value.startswith("=")):
        return value  # a plain value needs no cell object: 4× faster on a national export
    return _xlsx_cell(sheet, value)


def _xlsx_total(sheet, column: Column, value):
    """A cell of the totals row, in bold: its words already translated, its numbers formatted
    as the column's."""
    if isinstance(value, str):
        value = neutralise(value)
    return _xlsx_cell(
        sheet, value, font=Font(bold=True), number_format=NUMBER_FORMATS.get(column.kind)
    )


def json_chunks(table: CoverageTable, page_url: str) -> Iterator[str]:
    """{"date", "source", "filters", "totals", "rows": [...]}, the rows streamed one by one.

    Rows carry codes, not words: `status` is own_cell / joined / no_members / not_reported,
    and `members` is null when the village was not reported.
    """
    keys = [column.key for column in export_columns(table.group, table.date)]
    totals, table_rows = table.rows_with_totals()
    head = {
        "date": table.date.isoformat(),
        "source": {"text": source_line(table, page_url, totals), "url": page_url}
        | source_synthetic(totals),
        "group": table.group.value,
        "filters": table.filters(),
        "totals": _without(asdict(totals), "synthetic")  # said in "source"
        | {
            "without_cell": totals.without_cell,
            "own_cell_share": totals.own_cell_share,
            "member_share": totals.member_share,
        },
    }
    rows = (_dumps(_json_row(values, keys)) for values in export_rows(table, table_rows))

    def chunks() -> Iterator[str]:
        yield _dumps(head)[:-1] + ', "rows": ['
        yield from _joined(rows)
        yield "]}"

    return chunks()


def _json_row(values: dict, keys: list[str]) -> dict:
    return {key: values[key] for key in keys} | {"date": values["date"].isoformat()}


def _joined(parts: Iterable[str]) -> Iterator[str]:
    for index, part in enumerate(parts):
        yield part if index == 0 else "," + part


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def json_response(table: CoverageTable, *, page_url: str) -> StreamingHttpResponse:
    """Inline, as a browser shows JSON, with the file name a "Save as" takes."""
    response = StreamingHttpResponse(
        json_chunks(table, page_url), content_type="application/json; charset=utf-8"
    )
    return _attachment(response, file_name(table, "json"), disposition="inline")


def _without(values: dict, key: str) -> dict:
    return {name: value for name, value in values.items() if name != key}
