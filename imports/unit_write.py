"""Writing a unit summary's figures, moving them aside for a replace, and putting them back:
the importer's writes to `UnitFigure`, inside the transaction `imports.services` opens (as
`imports.village_write` is for village reports). A unit summary stores its counts under a source
of its own ("Imported report FILE (DATE)", docs/import-format.md); published figures, which no
import wrote, are never moved.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from units.models import Metric, Period, Source, UnitFigure

from . import fields as f
from .dates import date_text
from .models import ImportRun, ReplacedFigures
from .preview import Preview

SOURCE_TITLE = _("Imported report %(file)s (%(date)s)")

UNIT_METRICS = {
    f.VILLAGES_TOTAL: Metric.VILLAGES_TOTAL,
    f.VILLAGES_JOINED: Metric.VILLAGES_JOINED,
    f.VILLAGES_NO_MEMBERS: Metric.VILLAGES_NO_MEMBERS,
    f.MEMBERS: Metric.MEMBERS,
    f.GRASSROOTS_ORGS: Metric.GRASSROOTS_ORGS,
    f.CELLS: Metric.CELLS_UNDER_COMMITTEES,
    f.ADMISSIONS: Metric.ADMISSIONS,
}
VILLAGE_COUNT_METRICS = {
    Metric.VILLAGES_JOINED,
    Metric.VILLAGES_NO_MEMBERS,
    Metric.VILLAGES_WITHOUT_CELL,
}


def unit_figures_write(preview: Preview, period: Period, run: ImportRun) -> int:
    params = {"file": preview.file_name, "date": date_text(preview.date)}
    source = Source.objects.create(title=(gettext(SOURCE_TITLE) % params)[:300])
    rows = []
    for entry in preview.units.entries:
        figures = entry.figures
        total = figures.get(f.VILLAGES_TOTAL)
        values = {UNIT_METRICS[key]: value for key, value in figures.items() if key in UNIT_METRICS}
        own = figures.get(f.VILLAGES_OWN_CELL)
        if total is not None and own is not None and own <= total:
            values[Metric.VILLAGES_WITHOUT_CELL] = total - own
        for metric, value in values.items():
            rows.append(
                UnitFigure(
                    unit=entry.unit,
                    period=period,
                    metric=metric,
                    value=Decimal(value),
                    denominator=total if metric in VILLAGE_COUNT_METRICS else None,
                    source=source,
                    import_run=run,
                )
            )
    UnitFigure.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def unit_figures_displace(figures: QuerySet, *, by: ImportRun) -> None:
    by_run: dict[int, list[list]] = defaultdict(list)
    for row in figures.values_list(*ReplacedFigures.UNIT_COLUMNS, "import_run_id"):
        values = list(row[:-1])
        values[2] = str(values[2])  # Decimal
        values[4] = values[4].isoformat() if values[4] else None  # span_start
        by_run[row[-1]].append(values)
    ReplacedFigures.objects.bulk_create(
        ReplacedFigures(run_id=run_id, replaced_by=by, unit_figures=rows)
        for run_id, rows in by_run.items()
    )
    ImportRun.objects.filter(id__in=list(by_run)).update(
        outcome=ImportRun.Outcome.REPLACED, replaced_by=by
    )
    figures.delete()


def unit_figures_restore(run: ImportRun, period: Period, rows: list[list]) -> None:
    units = {row[0] for row in rows} | set(run.unit_ids)
    current = UnitFigure.objects.filter(period=period, unit_id__in=units).filter(
        Q(import_run__isnull=False) & ~Q(import_run=run)
    )
    if current.exists():
        unit_figures_displace(current, by=run)
    unit_rows_write(rows, period, run.id)


def unit_rows_write(rows: list[list], period: Period, run_id: int) -> None:
    """Unit figures kept aside (`ReplacedFigures.unit_figures`) written back under `run_id`."""
    columns = ReplacedFigures.UNIT_COLUMNS
    restored = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        values["value"] = Decimal(values["value"])
        if values["span_start"]:
            values["span_start"] = datetime.date.fromisoformat(values["span_start"])
        restored.append(UnitFigure(period=period, import_run_id=run_id, **values))
    UnitFigure.objects.bulk_create(restored, batch_size=2000)
