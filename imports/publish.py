"""The publish gate (issue 11 §2, four eyes): publishing a draft, withdrawing a published import,
restoring a replaced one, discarding a draft; each recorded with who and when (`RunEvent`).
docs/import-format.md, "What an import does", says what each does to the figures.

Publishing needs `imports.publish` and someone other than the importer. It reads the draft's
workbook again and validates it against the data of that moment, then writes it with the
importer's own write (`report_import`), all in one transaction: the figures, their coverage and
the data version move together, and a report that no longer validates (another run now holds
the date, say) is refused with the reason, the draft staying a draft. The workbook is read
before that transaction, outside the write lock (SQLite's, which every other writer would wait
for meanwhile); under it, who may publish is checked again, and the reading is used only when
nothing was written since it began, else the workbook is read again there
(`imports.drafts.draft_preview_now`).

Restoring a replaced import changes the figures on the site as withdrawing does, so it needs
`imports.publish` too; like a withdraw it brings back figures that were on the site before, so
it needs no second person.

An operator on the server publishes without a second person (`import_report --publish`,
`load_demo`): recorded as published from the command line.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from units.domain.coverage import coverage_refresh
from units.domain.lifetimes import Changes
from units.domain.transactions import write_transaction

from .drafts import DraftReading, draft_preview_now, draft_read_ahead, workbook_keep
from .issues import Issue
from .models import DraftWorkbook, ImportRun, RunEvent
from .preview import Preview
from .services import ImportRefused, replace_needed, report_import, report_restore
from .withdraw import WithdrawBlocked, period_drop_if_empty, withdraw_write

PUBLISH_PERMISSION = "imports.publish"
PUBLISHABLE = (ImportRun.Outcome.DRAFT, ImportRun.Outcome.WITHDRAWN)

NOT_PUBLISHER = _("Publishing and withdrawing imports needs the permission to publish imports.")
NOT_RESTORER = _("Restoring a replaced import needs the permission to publish imports.")
OWN_RUN = _("Import #%(id)s was imported by you: another staff member must publish it (four eyes).")
NOT_PUBLISHABLE = _("Import #%(id)s is not a draft or a withdrawn import: nothing to publish.")
NO_WORKBOOK = _("Import #%(id)s kept no workbook: it cannot be published again.")
NOT_PUBLISHED = _("Import #%(id)s is not published: nothing to withdraw.")
NOT_A_DRAFT = _("Import #%(id)s is not a draft: nothing to discard.")
NOT_YOURS = _("Draft #%(id)s may be discarded by the staff member who imported it or a publisher.")


class PublishRefused(Exception):
    """The action cannot be done; `issues` say why. Nothing was written."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(issue.message for issue in issues))
        self.issues = issues


def _refuse(text, run: ImportRun) -> PublishRefused:
    return PublishRefused([Issue(text, {"id": run.id})])


def publisher_refusal(run: ImportRun, user) -> Issue | None:
    """Why `user` may not publish `run` whatever its state (permission, four eyes), or None."""
    if not user.has_perm(PUBLISH_PERMISSION):
        return Issue(NOT_PUBLISHER)
    if run.user_id is not None and run.user_id == user.pk:
        return Issue(OWN_RUN, {"id": run.id})
    return None


def publish_refusal(run: ImportRun, user) -> Issue | None:
    """Why `user` may not publish `run` now (permission, four eyes, state), or None."""
    return publisher_refusal(run, user) or unpublishable(run)


def unpublishable(run: ImportRun) -> Issue | None:
    """Why `run` cannot be published, whoever asks: not a draft (or withdrawn), no workbook."""
    if run.outcome not in PUBLISHABLE:
        return Issue(NOT_PUBLISHABLE, {"id": run.id})
    if not DraftWorkbook.objects.filter(run=run).exists():
        return Issue(NO_WORKBOOK, {"id": run.id})
    return None


def run_actions(run: ImportRun, user) -> set[str]:
    """What `user` may do to `run` from the history: "publish", "withdraw", "restore",
    "discard" (the action itself checks again, with the data of that moment)."""
    actions = set()
    if run.outcome in PUBLISHABLE and publisher_refusal(run, user) is None:
        actions.add("publish")
    if run.outcome == ImportRun.Outcome.IMPORTED and run.date and user.has_perm(PUBLISH_PERMISSION):
        actions.add("withdraw")
    if run.outcome == ImportRun.Outcome.REPLACED and restorer_refusal(user) is None:
        actions.add("restore")
    if run.outcome == ImportRun.Outcome.DRAFT and _may_discard(run, user):
        actions.add("discard")
    return actions


def _may_discard(run: ImportRun, user) -> bool:
    return run.user_id == user.pk or user.has_perm(PUBLISH_PERMISSION)


def run_publish(
    run: ImportRun, *, user=None, replace: bool | None = None, command_line: bool = False
) -> ImportRun:
    """Publish a draft (or a withdrawn run again). `user` None only for an operator on the
    server (`command_line`). `replace` None: as the importer chose when confirming."""
    reading = _publish_read_ahead(run, user, command_line)
    with write_transaction():
        # One publisher at a time: the row locked on PostgreSQL, the database on SQLite.
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        refusal = _who_refuses(run, user, command_line)
        if refusal is not None:
            raise PublishRefused([refusal])
        preview = draft_preview_now(run, reading)
        if replace is None:
            replace = run.workbook.replace
        try:
            report_import(preview=preview, replace=replace, user=run.user, draft=run)
        except ImportRefused as refusal:
            raise PublishRefused(refusal.issues) from None
        _record(run, RunEvent.Action.PUBLISHED, user, command_line)
    return run


def _publish_read_ahead(run: ImportRun, user, command_line: bool) -> DraftReading | None:
    """The draft's workbook read before the lock, when it may be published as things stand
    (None otherwise: the check under the lock refuses it, with the reason of that moment)."""
    run = ImportRun.objects.get(pk=run.pk)
    if _who_refuses(run, user, command_line) is not None:
        return None
    return draft_read_ahead(run)


def _who_refuses(run: ImportRun, user, command_line: bool) -> Issue | None:
    if user is None and command_line:
        return unpublishable(run)
    return publish_refusal(run, user)


def draft_apply(run: ImportRun, preview: Preview) -> None:
    """Write the draft (`preview`: its workbook read again, `draft_preview`) as publishing
    would, without the checks of who: for the staff draft view, inside a transaction its caller
    rolls back (imports.draft_view). Raises ImportRefused when it no longer validates."""
    report_import(preview=preview, replace=run.workbook.replace, draft=run)


def report_publish(
    *, preview: Preview, data: bytes, replace: bool = False, user=None, date=None, columns=None
) -> ImportRun:
    """Write a report at once, without a draft: an operator on the server (`import_report
    --publish`) or the demo. The workbook is kept as a draft's is (so a withdrawn run can be
    published again); refusals and the same file again are recorded as `report_import` does."""
    if preview.same_file or preview.errors or (not replace and replace_needed(preview)):
        return report_import(preview=preview, replace=replace, user=user)
    with write_transaction():
        run = report_import(preview=preview, replace=replace, user=user)
        workbook_keep(run, preview, data, replace=replace, date=date, columns=columns)
        _record(run, RunEvent.Action.PUBLISHED, user, command_line=True)
    return run


def run_withdraw(run: ImportRun, *, user=None, command_line: bool = False) -> ImportRun:
    """Undo a published run completely (imports.withdraw); it can be published again."""
    with write_transaction():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        refusal = withdraw_refusal(run, user, command_line)
        if refusal is not None:
            raise PublishRefused([refusal])
        withdraw_apply(run)
        _record(run, RunEvent.Action.WITHDRAWN, user, command_line)
    return run


def withdraw_refusal(run: ImportRun, user, command_line: bool = False) -> Issue | None:
    """Why `user` may not withdraw `run` (permission, state), or None."""
    if not (user is None and command_line) and not user.has_perm(PUBLISH_PERMISSION):
        return Issue(NOT_PUBLISHER)
    return unwithdrawable(run)


def unwithdrawable(run: ImportRun) -> Issue | None:
    """Why `run` cannot be withdrawn, whoever asks: only a published run can."""
    if run.outcome != ImportRun.Outcome.IMPORTED or run.date is None:
        return Issue(NOT_PUBLISHED, {"id": run.id})
    return None


def withdraw_apply(run: ImportRun) -> Changes:
    """The writes of a withdraw, inside the caller's transaction, coverage refreshed: what
    changed (imports.publish_plan rolls them back to show a withdraw)."""
    try:
        changes = withdraw_write(run)
    except WithdrawBlocked as blocked:
        raise PublishRefused([blocked.issue]) from None
    coverage_refresh(changes)
    period_drop_if_empty(run.date)
    run.outcome = ImportRun.Outcome.WITHDRAWN
    run.save(update_fields=["outcome"])
    return changes


def restorer_refusal(user) -> Issue | None:
    """Why `user` may not restore a replaced run: the permission to publish, or None."""
    if not user.has_perm(PUBLISH_PERMISSION):
        return Issue(NOT_RESTORER)
    return None


def run_restore(run: ImportRun, *, user) -> ImportRun:
    """Make a replaced run current again (imports.services.report_restore), as `user`, who
    must hold the permission to publish: an importer alone would otherwise change the figures
    on the site past the gate."""
    with write_transaction():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)  # one restore at a time
        refusal = restorer_refusal(user)
        if refusal is not None:
            raise PublishRefused([refusal])
        try:
            report_restore(run, user=user)
        except ImportRefused as refused:  # not a replaced run
            raise PublishRefused(refused.issues) from None
    return run


def draft_discard(run: ImportRun, *, user) -> ImportRun:
    """A draft nobody will publish: cancelled, its workbook deleted."""
    with write_transaction():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.outcome != ImportRun.Outcome.DRAFT:
            raise _refuse(NOT_A_DRAFT, run)
        if not _may_discard(run, user):
            raise _refuse(NOT_YOURS, run)
        DraftWorkbook.objects.filter(run=run).delete()
        run.outcome = ImportRun.Outcome.CANCELLED
        run.save(update_fields=["outcome"])
        _record(run, RunEvent.Action.DISCARDED, user, command_line=False)
    return run


def _record(run: ImportRun, action: str, user, command_line: bool) -> None:
    user = user if getattr(user, "is_authenticated", False) else None
    RunEvent.objects.create(run=run, action=action, user=user, command_line=command_line)
