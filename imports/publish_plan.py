"""What publishing a draft or withdrawing a published import will change, for their
confirmation pages: the action itself runs in a transaction rolled back
(imports.restore_plan.change_plan), so the page shows what confirming will do. On SQLite that
transaction waits for an import committing at that moment, as the action itself would; the
draft's workbook is read again before it, outside the write lock.
"""

from __future__ import annotations

from .drafts import draft_preview
from .models import ImportRun
from .publish import PublishRefused, unpublishable, unwithdrawable, withdraw_apply
from .restore_plan import RestorePlan, change_plan
from .services import report_write, write_refusal


def publish_plan(run: ImportRun) -> RestorePlan:
    """The draft read and validated again, as publishing will; raises PublishRefused with the
    reasons when it would be refused now."""
    refusal = unpublishable(run)
    if refusal is not None:
        raise PublishRefused([refusal])
    preview = draft_preview(run)
    replace = run.workbook.replace
    issues = write_refusal(preview, replace)
    if issues:
        raise PublishRefused(issues)

    def publish():
        return report_write(preview, replace=replace, user=run.user, draft=run)[1]

    return change_plan(run, publish)


def withdraw_plan(run: ImportRun) -> RestorePlan:
    """Raises PublishRefused when the run is not published or what it replaced cannot come
    back."""
    refusal = unwithdrawable(run)
    if refusal is not None:
        raise PublishRefused([refusal])
    return change_plan(run, lambda: withdraw_apply(run))
