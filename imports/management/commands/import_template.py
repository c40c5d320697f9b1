"""Write the village-report template (the same one the site offers for download)."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand

from imports.template import template_workbook


class Command(BaseCommand):
    help = "Write the village-report template workbook (.xlsx) to PATH."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            help="fill the reference-date line (YYYY-MM-DD)",
        )

    def handle(self, *args, path: Path, date: datetime.date | None, **options) -> None:
        template_workbook(date=date).save(path)
        self.stdout.write(self.style.SUCCESS(f"Template written to {path}"))
