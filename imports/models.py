"""Every import run: the file, who, when, the date and scope, and the outcome."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from imports.issues import grouped
from units.models import VILLAGE_FIGURE_FIELDS, VillageFigure

# A run's counts in words (`ImportRun.summary`), put into words when shown: in the reader's
# language and number format (1.527 in Vietnamese, 1,527 in English), not the importer's.
COUNTS_SUMMARY = _(
    "%(rows)s: %(new)s, %(changed)s changed, %(unchanged)s unchanged, %(not_reported)s not "
    "reported."
)
DRAFT_SUMMARY = _(
    "Draft, waiting to be published by another staff member. %(summary)s Nothing is shown on "
    "the site until then."
)


class ImportRun(models.Model):
    class Shape(models.TextChoices):
        VILLAGE_REPORT = "village_report", _("Village report")
        UNIT_SUMMARY = "unit_summary", _("Unit summary")
        PUBLISHED = "published", _("Published figures")

    class Outcome(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        # Confirmed, waiting for a second staff member to publish it: nothing written to the
        # figures yet (imports.drafts; docs/import-format.md, "What an import does").
        DRAFT = "draft", _("Draft: waiting to be published")
        IMPORTED = "imported", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REFUSED = "refused", _("Refused")
        UNCHANGED = "unchanged", _("Same file again: nothing to do")
        # By a later import, or by an earlier one restored over it (or a draft confirmed before it
        # and published after): "another", true of each.
        REPLACED = "replaced", _("Replaced by another import")
        CANCELLED = "cancelled", _("Cancelled")

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    started = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    scope = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shape = models.CharField(max_length=16, choices=Shape.choices, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    rows = models.PositiveIntegerField(default=0)
    villages_new = models.PositiveIntegerField(default=0)
    villages_changed = models.PositiveIntegerField(default=0)
    villages_unchanged = models.PositiveIntegerField(default=0)
    villages_not_reported = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # The run's summary is its counts, put into words when shown (`summary`): its message is
    # then empty. False: the message says it all (a refusal, the same file again), or the run
    # was recorded before summaries were put into words when shown, its summary kept as text
    # in its importer's language.
    summary_from_counts = models.BooleanField(default=False)
    # The communes (village report) or units (unit summary) the run covers: what a later run
    # for the same date must replace, and what restoring this run takes back.
    unit_ids = models.JSONField(default=list, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced"
    )

    class Meta:
        ordering = ["-started"]
        permissions = [
            ("run_import", _("Can import reports")),
            ("publish", _("Can publish, withdraw and restore imports of others")),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_outcome_display()})"

    @property
    def summary(self) -> str:
        """What the run's page says of it, in the active language: its counts in words (a
        draft's with what waiting to be published means), or the message it recorded."""
        if not self.summary_from_counts:
            return self.message
        counts = gettext(COUNTS_SUMMARY) % {
            "rows": ngettext("%(count)s row", "%(count)s rows", self.rows)
            % {"count": grouped(self.rows)},
            "new": ngettext("%(count)s new village", "%(count)s new villages", self.villages_new)
            % {"count": grouped(self.villages_new)},
            "changed": grouped(self.villages_changed),
            "unchanged": grouped(self.villages_unchanged),
            "not_reported": grouped(self.villages_not_reported),
        }
        if self.outcome == self.Outcome.DRAFT:
            return gettext(DRAFT_SUMMARY) % {"summary": counts}
        return counts


class DraftWorkbook(models.Model):
    """The workbook of a confirmed import and the options it was confirmed with, kept in the
    database (every host of the site can read it) so that publishing reads and validates it
    again against the data of that moment (imports.publish)."""

    run = models.OneToOneField(
        ImportRun, on_delete=models.CASCADE, primary_key=True, related_name="workbook"
    )
    data = models.BinaryField()
    date = models.DateField(null=True, blank=True)  # the date given on upload or with --date
    replace = models.BooleanField(default=False)
    # Column choices by letter (--column), and the remembered ones (ColumnMapping) that applied
    # to the file's headers when it was confirmed: signature → {letter: field key}.
    columns = models.JSONField(default=dict, blank=True)
    remembered = models.JSONField(default=dict, blank=True)


class RunEvent(models.Model):
    """Who published, withdrew, restored or discarded a run, and when: shown in the history."""

    class Action(models.TextChoices):
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        RESTORED = "restored", _("Restored")
        DISCARDED = "discarded", _("Draft discarded")

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    command_line = models.BooleanField(default=False)  # by an operator on the server
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class ReplacedFigures(models.Model):
    """Figures a later import (or a restore) displaced, kept so that `run` can be restored.

    Rows are stored as JSON lists, in the column order of `VILLAGE_COLUMNS` / `UNIT_COLUMNS`.
    """

    VILLAGE_COLUMNS = tuple(  # VILLAGE_FIGURE_FIELDS as stored (the period is the run's date)
        VillageFigure._meta.get_field(name).attname
        for name in VILLAGE_FIGURE_FIELDS
        if name != "period"
    )
    UNIT_COLUMNS = (
        "unit_id",
        "metric",
        "value",
        "qualifier",
        "span_start",
        "denominator",
        "rating_scheme",
        "source_id",
        "note",
    )

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="replaced_figures")
    replaced_by = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    village_figures = models.JSONField(default=list, blank=True)
    unit_figures = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["created"]


class RemovedVillage(models.Model):
    """A village an import created, removed with its last figure by a later replace or restore
    (units.domain.lifetimes): kept so that restoring figures that name it brings it back under
    the same id."""

    village_id = models.BigIntegerField(unique=True)
    row = models.JSONField()  # the village's fields, dates as ISO text
    removed_by = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="+")


class ColumnMapping(models.Model):
    """Staff's answer to "which column is which" for one set of headers (issue 9: the column
    mapping step), applied to every later file whose header has the same signature
    (`imports.header.header_signature`: every column's header text, wherever the header
    stands)."""

    signature = models.CharField(max_length=64, unique=True)
    shape = models.CharField(max_length=16, choices=ImportRun.Shape.choices)
    headers = models.JSONField(default=dict)  # column letter → its header, as the file writes it
    columns = models.JSONField(default=dict)  # column letter → field key ("": not imported)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated"]

    def __str__(self) -> str:
        return ", ".join(f"{letter}={key or '-'}" for letter, key in self.columns.items())
