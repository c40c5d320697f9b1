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

`--language en` writes the summary in English; without it, the site's language (LANGUAGE_CODE,
Vietnamese).

What it writes, in one language: on stdout the summary (shape, date, scope, sheets, the counts,
the figures it replaces, each warning once), then the outcome, once, as its last line; on a
refusal, every error on stderr, one per line as "sheet, row, column, value, message", and the
outcome ("Refused: 2 errors.") as stderr's last line.

Exit status: 0 drafted, published, or nothing to do (the same file again; --dry-run of a valid
report); 1 refused; 2 wrong usage, a missing PATH included (argparse's own status for bad
arguments).
"""

import datetime
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from imports.dates import date_text
from imports.drafts import report_draft
from imports.issues import grouped
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
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="the summary's language (default: the site's, LANGUAGE_CODE: vi)",
        )

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if not self._called_from_command_line or options.get("traceback"):
                raise
            # Django would write it after "CommandError: ", in English whatever the summary's
            # language: the outcome line alone, as the other outcomes end on stdout.
            self.stderr.write(str(error))
            sys.exit(error.returncode)

    def handle(self, *args, language: str | None, **options) -> None:
        with translation.override(language or translation.get_language()):
            self.report_import(**options)

    def report_import(self, *, path: Path, date, dry_run: bool, replace: bool, **options) -> None:
        if not path.is_file():
            raise CommandError(_("%(path)s: no such file") % {"path": path}, returncode=USAGE)
        try:
            columns = columns_parse(options["column"])
        except ColumnsRefused as refusal:
            raise CommandError(str(refusal), returncode=USAGE) from None
        started = time.monotonic()
        self.progress(_("Reading and checking %(file)s…") % {"file": path.name})
        preview = report_preview(path_or_file=path, file_name=path.name, date=date, columns=columns)
        # Without --replace, figures already held refuse the write, and its error says so.
        self.summary_write(
            preview, dry_run=dry_run, held_said=dry_run or replace or bool(preview.errors)
        )
        if preview.errors:
            self.issues_write(preview)
            if not dry_run:
                try:
                    report_import(preview=preview)
                except ImportRefused:
                    pass  # recorded as a refused run; the errors are above
            raise refused(len(preview.errors))
        if dry_run:
            self.stdout.write(_("Dry run: nothing written."))
            return
        if preview.rows:
            self.progress(_("Writing %(rows)s…") % {"rows": rows_text(preview.rows)})
        write = report_publish if options["publish"] else report_draft
        try:
            data = path.read_bytes()
            run = write(preview=preview, data=data, replace=replace, date=date, columns=columns)
        except ImportRefused as refusal:
            for issue in refusal.issues:
                self.stderr.write(issue.line())
            raise refused(len(refusal.issues)) from None
        done = (ImportRun.Outcome.IMPORTED, ImportRun.Outcome.DRAFT)
        style = self.style.SUCCESS if run.outcome in done else str
        self.stdout.write(style(outcome_text(run)))
        self.progress(_("Done in %(seconds).1f s.") % {"seconds": time.monotonic() - started})

    def summary_write(self, preview: Preview, *, dry_run: bool, held_said: bool) -> None:
        """What the file holds; the outcome follows it, so the same file again is said here
        only by a dry run (a write's outcome says it)."""
        write = self.stdout.write
        if preview.same_file is not None:
            if dry_run:
                write(_("Same file as import #%(id)s.") % {"id": preview.same_file.id})
            return
        if preview.shape:
            write(
                _("Shape: %(shape)s; date: %(date)s; scope: %(scope)s")
                % {
                    "shape": ImportRun.Shape(preview.shape).label,
                    "date": date_text(preview.date) if preview.date else "—",
                    "scope": preview.scope or "—",
                }
            )
            write(_("Sheets: %(sheets)s") % {"sheets": ", ".join(preview.sheets) or "—"})
        if preview.skipped_sheets:
            skipped = ", ".join(map(str, preview.skipped_sheets))  # "Ghi chú (why)"
            write(_("Sheets skipped: %(sheets)s") % {"sheets": skipped})
        if preview.extra_columns:
            write(_("Columns ignored: %(columns)s") % {"columns": ", ".join(preview.extra_columns)})
        counts = counts_text(preview)
        if counts:
            write(counts)
        if preview.needs_replace and held_said:
            write(held_text(preview))
        for issue in preview.warnings:
            write(_("warning: %(issue)s") % {"issue": issue.line()})

    def issues_write(self, preview: Preview) -> None:
        for issue in preview.errors:
            self.stderr.write(issue.line())

    def progress(self, text: str) -> None:
        """Progress only for a person watching: never in logs or pipes."""
        if self.stderr.isatty():
            self.stderr.write(text)


def rows_text(rows: int) -> str:
    return ngettext("%(count)s row", "%(count)s rows", rows) % {"count": grouped(rows)}


def counts_text(preview: Preview) -> str:
    """The rows and, for a village report without errors, the villages new / changed /
    unchanged / not reported."""
    if preview.villages is not None and preview.errors:
        # As the preview page: a row in error may be counted as a new village (an ambiguous
        # name, say), so the counts wait for a file without errors.
        return _(
            "Villages: %(rows)s (new, changed and unchanged are counted once the file has no "
            "errors)"
        ) % {"rows": rows_text(preview.rows)}
    if preview.villages is not None:
        return _(
            "Villages: %(rows)s, %(new)s new, %(changed)s changed, %(unchanged)s unchanged, "
            "%(not_reported)s not reported"
        ) % {
            "rows": rows_text(preview.rows),
            "new": grouped(preview.villages_new),
            "changed": grouped(preview.villages_changed),
            "unchanged": grouped(preview.villages_unchanged),
            "not_reported": grouped(preview.villages_not_reported),
        }
    if preview.units is not None:
        return _("Units: %(rows)s") % {"rows": rows_text(preview.rows)}
    return ""


def held_text(preview: Preview) -> str:
    """The figures a replace supersedes, and the runs that wrote them."""
    held = ngettext(
        "Already held for this date and scope: %(count)s figure",
        "Already held for this date and scope: %(count)s figures",
        preview.existing_figures,
    ) % {"count": grouped(preview.existing_figures)}
    runs = ", ".join(f"#{run.id} {run.file_name}" for run in preview.conflicts)
    return f"{held} ({runs})" if runs else held


def outcome_text(run: ImportRun) -> str:
    """The run's outcome, once: the counts are in the summary above it."""
    if run.outcome == ImportRun.Outcome.DRAFT:
        outcome = _(
            "Draft, waiting to be published by another staff member (publish_import %(id)s "
            "--user NAME); nothing is shown on the site until then."
        ) % {"id": run.id}
    elif run.outcome == ImportRun.Outcome.UNCHANGED:
        outcome = run.message  # "Same file as import #3 of …: nothing to do."
    else:
        outcome = f"{run.get_outcome_display()}."
    return _("Import #%(id)s: %(outcome)s") % {"id": run.id, "outcome": outcome}


def refused(errors: int) -> CommandError:
    text = ngettext("Refused: %(count)s error.", "Refused: %(count)s errors.", errors)
    return CommandError(text % {"count": grouped(errors)}, returncode=REFUSED)
