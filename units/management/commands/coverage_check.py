"""Compare every stored coverage figure with a direct count of the villages (issue 9).

    python manage.py coverage_check [--fix]

Lists each (unit, date) whose `Coverage` row differs from what the village figures and
placements give (or that should have a row and has none, or has one and should not), and the
village figures no placement counts. Exit status 0 when there is none, 1 otherwise. `--fix`
rebuilds the dates that differ and checks again (figures outside a placement cannot be fixed
here: they are listed, and the status stays 1).
"""

from django.core.management.base import BaseCommand, CommandError

from units.domain.coverage import (
    COUNTED,
    Difference,
    coverage_differences,
    coverage_rebuild,
    figures_unplaced,
)
from units.models import Period, Unit

DIFFERENT = 1


class Command(BaseCommand):
    help = "Compare every stored coverage figure with a direct count; --fix rebuilds them."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fix", action="store_true", help="rebuild the dates that differ, then check again"
        )

    def handle(self, *args, fix: bool, **options) -> None:
        differences = coverage_differences()
        if differences and fix:
            dates = {difference.date for difference in differences}
            written = coverage_rebuild(periods=Period.objects.filter(date__in=dates))
            self.stdout.write(f"Rebuilt {len(dates)} dates ({written} rows).")
            differences = coverage_differences()
        self.differences_write(differences)
        unplaced = figures_unplaced()
        for village_id, date, commune_id in unplaced:
            self.stdout.write(
                f"village #{village_id} at {date}: its figure (commune #{commune_id}) is "
                "outside any placement of the village, so no unit counts it"
            )
        if differences or unplaced:
            raise CommandError(
                f"{len(differences)} coverage rows differ from a direct count; "
                f"{len(unplaced)} village figures are not counted.",
                returncode=DIFFERENT,
            )
        self.stdout.write(self.style.SUCCESS("Every coverage figure equals a direct count."))

    def differences_write(self, differences: list[Difference]) -> None:
        names = dict(
            Unit.objects.filter(id__in={d.unit for d in differences}).values_list("id", "name")
        )
        for difference in differences:
            self.stdout.write(
                f"{names.get(difference.unit, '?')} (#{difference.unit}) at {difference.date}: "
                f"stored {_values(difference.stored)}, counted {_values(difference.expected)}"
            )


def _values(values: tuple | None) -> str:
    if values is None:
        return "no row"
    return ", ".join(f"{name} {value}" for name, value in zip(COUNTED, values, strict=True))
