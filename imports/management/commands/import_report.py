"""Import a village report or unit summary from the command line.

    python manage.py import_report PATH [--date YYYY-MM-DD] [--dry-run] [--replace]
                                        [--column FIELD=LETTER ...] [--publish]

The import is a draft, shown on the site once a staff member with the permission to publish
publishes it (the import history, or `publish_import RUN --user NAME`); `--publish` writes it at
once, recorded as published from the command line: the operator on the server is trusted as a
second pair of eyes is on the web (docs/import-format.md, "What an import does").

`--column commune=B` says column B holds the communes, where its header does not say so in
words the importer knows (repeat it for each column; the fields are those of imports.fields:
village, commune, district, members, full_members, probationary_members, status, host, …).

Exit status: 0 drafted, published, or nothing to do (the same file again; --dry-run of a valid
report); 1 refused: every error on stderr, one per line as "sheet, row, column, value, message";
2 wrong usage, a missing PATH included (argparse's own status for bad arguments).
"""

import datetime
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imports.drafts import report_draft
from imports.mapping import ColumnsRefused, columns_parse
from imports.models import ImportRun
from imports.preview import Preview
from imports.publish import report_publish
from imports.services import ImportRefused, report_import, report_preview

REFUSED = 1
USAGE = 2


class Command(BaseCommand):
    help = (
        "Import a report workbook (docs/import-format.md): preview, then keep it as a draft to "
        "publish, or with --publish write it in one transaction."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            help="the report's reference date (YYYY-MM-DD); the file's own date must agree",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and summarise, write nothing"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="supersede figures already imported for the same date and scope",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish at once (recorded as published from the command line), not a draft",
        )
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="FIELD=LETTER",
            help=(
                "the column holding a field, where its header does not say so (commune=B); "
                "none=C leaves column C out"
            ),
        )

    def handle(self, *args, path: Path, date, dry_run: bool, replace: bool, **options) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=USAGE)
        try:
            columns = columns_parse(options["column"])
        except ColumnsRefused as refusal:
            raise CommandError(str(refusal), returncode=USAGE) from None
        started = time.monotonic()
        self.progress(f"Reading and checking {path.name}…")
        preview = report_preview(path_or_file=path, file_name=path.name, date=date, columns=columns)
        self.summary_write(preview)
        if preview.errors:
            self.issues_write(preview)
            if not dry_run:
                try:
                    report_import(preview=preview)
                except ImportRefused:
                    pass  # recorded as a refused run; the errors are above
            raise CommandError(f"Refused: {len(preview.errors)} errors.", returncode=REFUSED)
        if dry_run:
            self.stdout.write("Dry run: nothing written.")
            return
        if preview.rows:
            self.progress(f"Writing {preview.rows} rows…")
        write = report_publish if options["publish"] else report_draft
        try:
            data = path.read_bytes()
            run = write(preview=preview, data=data, replace=replace, date=date, columns=columns)
        except ImportRefused as refusal:
            for issue in refusal.issues:
                self.stderr.write(issue.line())
            raise CommandError("Refused.", returncode=REFUSED) from None
        done = (ImportRun.Outcome.IMPORTED, ImportRun.Outcome.DRAFT)
        style = self.style.SUCCESS if run.outcome in done else str
        self.stdout.write(style(f"Import #{run.id}: {run.get_outcome_display()}. {run.summary}"))
        self.progress(f"Done in {time.monotonic() - started:.1f} s.")

    def summary_write(self, preview: Preview) -> None:
        write = self.stdout.write
        if preview.same_file is not None:
            write(f"Same file as import #{preview.same_file.id}.")
            return
        if preview.shape:
            write(f"Shape: {preview.shape}; date: {preview.date}; scope: {preview.scope or '—'}")
            write(f"Sheets: {', '.join(preview.sheets) or '—'}")
        if preview.skipped_sheets:
            write(f"Sheets skipped: {', '.join(preview.skipped_sheets)}")
        if preview.extra_columns:
            write(f"Columns ignored: {', '.join(preview.extra_columns)}")
        if preview.villages is not None and preview.errors:
            # As the preview page: a row in error may be counted as a new village (an ambiguous
            # name, say), so the counts wait for a file without errors.
            write(
                f"Villages: {preview.rows} rows (new, changed and unchanged are counted once the "
                "file has no errors)"
            )
        elif preview.villages is not None:
            write(
                f"Villages: {preview.rows} rows, {preview.villages_new} new, "
                f"{preview.villages_changed} changed, {preview.villages_unchanged} unchanged, "
                f"{preview.villages_not_reported} not reported"
            )
        elif preview.units is not None:
            write(f"Units: {preview.rows} rows")
        if preview.needs_replace:
            runs = ", ".join(f"#{run.id} {run.file_name}" for run in preview.conflicts)
            write(
                f"Already held for this date and scope: {preview.existing_figures} figures"
                + (f" ({runs})" if runs else "")
            )
        for issue in preview.warnings:
            write(f"warning: {issue.line()}")

    def issues_write(self, preview: Preview) -> None:
        for issue in preview.errors:
            self.stderr.write(issue.line())

    def progress(self, text: str) -> None:
        """Progress only for a person watching: never in logs or pipes."""
        if self.stderr.isatty():
            self.stderr.write(text)
