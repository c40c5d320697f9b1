"""Loads the synthetic demo plan (`demo_plan`) the way staff load real data: through the
importer.

Each reporting date becomes a village-report workbook (`demo_workbooks`) that goes through
`report_preview` and `report_publish` (written at once, recorded as published from the command
line), so the demo exercises every step a real report takes. What
a report cannot say is applied in between, as the province's own records would: the 2020 merges
(A + B → C) before the first report that names C, and the moves into the new communes on
1/7/2025 before the first report under the new communes.
"""

from __future__ import annotations

import datetime
import io

from django.db import transaction

from imports.generators.demo_plan import MERGE_DATE, DemoCommune, DemoPlan, demo_plan
from imports.generators.demo_workbooks import commune_names, village_report_workbook
from units.domain.coverage import coverage_rebuild
from units.domain.names import name_key, sort_key
from units.models import (
    LAST_DAY_BEFORE_REFORM,
    REFORM_DATE,
    Level,
    Scheme,
    Unit,
    UnitSuccession,
    Village,
    VillagePlacement,
    VillageSuccession,
)

PROVINCE_CODE = "11"  # Điện Biên


class DemoImportError(RuntimeError):
    """The importer refused a demo report: the generator and the importer disagree."""


def demo_communes(province_code: str = PROVINCE_CODE) -> list[DemoCommune]:
    """The province's pre-2025 communes with their districts and their 2025 successors."""
    communes = (
        Unit.objects.filter(
            scheme=Scheme.GSO2004, level=Level.COMMUNE, parent__parent__code=province_code
        )
        .select_related("parent")
        .order_by("code")
    )
    successors: dict[int, list[str]] = {}
    for old_id, new_code in UnitSuccession.objects.filter(
        predecessor__in=communes, successor__scheme=Scheme.GSO2025
    ).values_list("predecessor_id", "successor__code"):
        successors.setdefault(old_id, []).append(new_code)
    return [
        DemoCommune(
            code=commune.code,
            name=commune.name,
            district=commune.parent.name,
            urban=commune.name.startswith(("Phường", "Thị trấn")),
            successors=sorted(successors.get(commune.id, [])),
        )
        for commune in communes
    ]


def demo_loaded() -> bool:
    return Village.objects.filter(synthetic=True).exists()


@transaction.atomic
def demo_load(plan: DemoPlan | None = None) -> int:
    """Import every demo report in date order. Returns the village rows imported."""
    from imports.publish import report_publish
    from imports.services import report_preview

    plan = plan or demo_plan(demo_communes())
    rows = 0
    for date in sorted(plan.figures):
        _records_update(plan, date)
        workbook = _workbook(plan, date)
        preview = report_preview(path_or_file=workbook, file_name=_name(date))
        if preview.errors:
            details = "\n".join(str(issue) for issue in preview.errors[:10])
            raise DemoImportError(f"{_name(date)} refused:\n{details}")
        # Published at once, as an operator's `import_report --publish` is: no second person.
        report_publish(preview=preview, data=workbook.getvalue())
        rows += len(plan.figures[date])
    Village.objects.filter(code__in=[v.code for v in plan.villages]).update(synthetic=True)
    # The imports above counted these villages as real ones: count them again as synthetic
    # (Coverage.synthetic, DataVersion.synthetic_villages), in the same transaction.
    coverage_rebuild()
    return rows


def _name(date: datetime.date) -> str:
    return f"dien-bien-demo-{date.isoformat()}.xlsx"


def _workbook(plan: DemoPlan, date: datetime.date) -> io.BytesIO:
    buffer = io.BytesIO()
    village_report_workbook(date, plan.figures[date], commune_names(plan, date)).save(buffer)
    buffer.seek(0)
    return buffer


def _records_update(plan: DemoPlan, date: datetime.date) -> None:
    """Apply the merges and the reform moves once, just before the first date they matter."""
    if date >= MERGE_DATE and not VillageSuccession.objects.filter(date=MERGE_DATE).exists():
        villages_merge_record(plan)
    if date >= REFORM_DATE and not VillagePlacement.objects.filter(valid_from=REFORM_DATE).exists():
        villages_move_record(plan)


def _by_code(plan: DemoPlan) -> dict[str, Village]:
    return {v.code: v for v in Village.objects.filter(code__in=[d.code for d in plan.villages])}


def villages_merge_record(plan: DemoPlan) -> None:
    """A + B → C from MERGE_DATE: A and B end the day before, C begins in their commune."""
    villages = _by_code(plan)
    communes = _communes(Scheme.GSO2004)
    day_before = MERGE_DATE - datetime.timedelta(days=1)
    for demo in (d for d in plan.villages if d.merged_from):
        merged = Village.objects.create(
            name=demo.name, name_key=name_key(demo.name), sort_key=sort_key(demo.name),
            code=demo.code, valid_from=MERGE_DATE,
        )  # fmt: skip
        VillagePlacement.objects.create(
            village=merged, commune=communes[demo.commune.code], valid_from=MERGE_DATE,
            valid_to=LAST_DAY_BEFORE_REFORM,
        )  # fmt: skip
        parts = [villages[d.code] for d in plan.villages if d.key in demo.merged_from]
        for part in parts:
            VillageSuccession.objects.create(
                predecessor=part, successor=merged, date=MERGE_DATE, source="synthetic demo"
            )
        ids = [part.id for part in parts]
        Village.objects.filter(id__in=ids).update(valid_to=day_before)
        VillagePlacement.objects.filter(village_id__in=ids).update(valid_to=day_before)


def villages_move_record(plan: DemoPlan) -> None:
    """From 1/7/2025 each living village belongs to the new commune the crosswalk gave it."""
    villages = _by_code(plan)
    communes = _communes(Scheme.GSO2025)
    VillagePlacement.objects.bulk_create(
        VillagePlacement(
            village=villages[demo.code],
            commune=communes[demo.new_commune_code],
            valid_from=REFORM_DATE,
        )
        for demo in plan.villages
        if demo.valid_to is None
    )


def _communes(scheme: str) -> dict[str, Unit]:
    return {u.code: u for u in Unit.objects.filter(scheme=scheme, level=Level.COMMUNE)}
