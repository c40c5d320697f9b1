"""Everything the figures a page shows are made of, read back for comparison: villages,
placements, village figures and coverage rows.

`figures_state()` names villages by what they are (name, code, the commune they were first
placed in), not by id, so that two databases that imported the same reports in different orders
compare equal; `stored_rows()` keeps the ids, for a restore that must give back the very rows.
"""

from __future__ import annotations

from units.domain.coverage import COUNTED
from units.models import Coverage, Village, VillageFigure, VillagePlacement

PLACEMENT = ("village_id", "commune_id", "valid_from", "valid_to", "from_reports")
FIGURE = (
    "village_id",
    "period__date",
    "commune_id",
    "district_id",
    "status",
    "members",
    "full_members",
    "probationary_members",
    "joined_with_id",
    "joined_with_name",
    "admissions",
    "import_run_id",
)
VILLAGE = ("id", "name", "name_key", "code", "valid_from", "valid_to", "synthetic", "from_reports")


def stored_rows() -> dict[str, list[tuple]]:
    """The rows as stored, ids of villages included (placement, figure and coverage rows by
    their content: a restore writes them anew)."""
    return {
        "villages": sorted(Village.objects.values_list(*VILLAGE)),
        "placements": sorted(VillagePlacement.objects.values_list(*PLACEMENT), key=repr),
        "figures": sorted(VillageFigure.objects.values_list(*FIGURE), key=repr),
        "coverage": sorted(Coverage.objects.values_list("unit_id", "period__date", *COUNTED)),
    }


def figures_state() -> dict[str, list[tuple]]:
    """The same, with each village named by its name, code and first commune."""
    first_commune = {}
    for village_id, commune_id in VillagePlacement.objects.order_by("-valid_from").values_list(
        "village_id", "commune_id"
    ):
        first_commune[village_id] = commune_id
    names = {
        village_id: (name, code, first_commune.get(village_id))
        for village_id, name, code in Village.objects.values_list("id", "name", "code")
    }
    rows = stored_rows()

    def named(row: tuple, *positions: int) -> tuple:
        return tuple(names.get(v, v) if i in positions else v for i, v in enumerate(row))

    return {
        "villages": sorted((names[row[0]], *row[4:6], row[7]) for row in rows["villages"]),
        "placements": sorted((named(row, 0) for row in rows["placements"]), key=repr),
        # The run that wrote a figure is left out: runs are numbered in the order they came.
        "figures": sorted((named(row, 0, 8)[:-1] for row in rows["figures"]), key=repr),
        "coverage": rows["coverage"],
    }
