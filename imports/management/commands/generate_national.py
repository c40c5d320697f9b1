"""`manage.py generate_national`: synthetic villages and figures over the real units of all 63
pre-2025 provinces, at benchmark scale (imports.generators.national). Deterministic: same
options, same rows.

Refuses when the database already has villages, village figures or coverage; `--replace`
deletes them (and the village-report import runs) first.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from imports.generators.national import (
    DEFAULT_DATES,
    DEFAULT_VILLAGES,
    VillageDataExists,
    national_generate,
)


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def province_list(text: str) -> list[str]:
    return [code.strip() for code in text.split(",") if code.strip()]


class Command(BaseCommand):
    help = (
        "Generate synthetic village figures for every pre-2025 commune (real units, 2025 "
        "crosswalk), quarterly up to 31/12/2025, with their coverage. Deterministic."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--villages", type=positive, default=DEFAULT_VILLAGES, help="villages in all"
        )
        parser.add_argument(
            "--dates", type=positive, default=DEFAULT_DATES, help="quarter ends up to 31/12/2025"
        )
        parser.add_argument(
            "--provinces",
            type=province_list,
            metavar="CODE,...",
            help="pre-2025 GSO province codes, e.g. 11,12 (default: all 63)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete every village, village figure, coverage row and village-report import "
            "run first (without it the command refuses to touch a database that has them)",
        )

    def handle(self, *args, **options) -> None:
        started, cpu_started = time.monotonic(), time.process_time()
        try:
            report = national_generate(
                villages=options["villages"],
                dates=options["dates"],
                province_codes=options["provinces"],
                replace=options["replace"],
            )
        except (VillageDataExists, ValueError) as error:
            raise CommandError(str(error)) from error
        for name, (wall, cpu) in report.seconds.items():
            self.stdout.write(f"{name}: {wall:.1f}s ({cpu:.1f}s CPU)")
        self.stdout.write(
            f"villages: {report.villages}, placements: {report.placements}, "
            f"dates: {report.dates}, village figures: {report.figures}, "
            f"coverage rows: {report.coverage}"
        )
        elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated in {elapsed:.1f}s ({cpu:.1f}s CPU), peak memory {peak_mb:.0f} MB"
            )
        )
        size = database_size()
        if size is not None:
            self.stdout.write(f"database size: {size / 2**20:.0f} MB")


def database_size() -> int | None:
    """The size of the database, as the file (SQLite) or as PostgreSQL counts it."""
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        return path.stat().st_size if path.is_file() else None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    return None
