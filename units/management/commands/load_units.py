"""`manage.py load_units --province 11` or `--all`: the real administrative units and crosswalk."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from units.domain.refdata import units_load


class Command(BaseCommand):
    help = (
        "Load Vietnam's administrative units before and after 1/7/2025 and the old → new "
        "crosswalk from fixtures/units/ (idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--province",
            action="append",
            metavar="CODE",
            help="a pre-2025 GSO province code, e.g. 11 for Điện Biên (repeatable)",
        )
        which.add_argument("--all", action="store_true", help="every province")

    def handle(self, *args, **options) -> None:
        codes = None if options["all"] else options["province"]
        started = time.monotonic()
        try:
            counts = units_load(province_codes=codes)
        except ValueError as error:
            raise CommandError(str(error)) from error
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Units loaded in {elapsed:.1f}s."))
