"""Write the synthetic demo as village-report workbooks, one per reporting date."""

from pathlib import Path

from django.core.management.base import BaseCommand

from imports.generators.demo_load import demo_communes
from imports.generators.demo_plan import demo_plan
from imports.generators.demo_workbooks import demo_workbooks_write


class Command(BaseCommand):
    help = "Write the demo village reports (import format) into a folder."

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options) -> None:
        paths = demo_workbooks_write(demo_plan(demo_communes()), folder)
        self.stdout.write(self.style.SUCCESS(f"{len(paths)} workbooks written to {folder}"))
