"""Helpers of the publish-gate tests (issue 11 §2): staff with the permissions, drafts made and
published as the web pages make them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from imports.drafts import report_draft
from imports.models import ImportRun
from imports.publish import run_publish
from imports.services import report_preview
from tests.workbooks import to_file

PASSWORD = "a-long-test-password"
IMPORTER = ("run_import",)
PUBLISHER = ("run_import", "publish")


def staff_make(username: str, codenames: tuple[str, ...] = IMPORTER):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=codenames, content_type__app_label="imports")
    )
    return get_user_model().objects.get(pk=user.pk)  # permissions are cached per instance


def logged_in(client, user):
    """`client` logged in as `user`, reading the site in English."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def drafted(workbook, user=None, *, name: str = "report.xlsx", **options) -> ImportRun:
    """`workbook` confirmed as a draft by `user`, as the confirm button does."""
    file = to_file(workbook, name=name)
    preview = report_preview(path_or_file=file, file_name=name)
    assert [issue.line() for issue in preview.errors] == []
    return report_draft(preview=preview, data=file.getvalue(), user=user, **options)


def published(workbook, importer, publisher, **options) -> ImportRun:
    """Drafted by `importer`, published by `publisher`."""
    replace = options.pop("replace", False)
    run = drafted(workbook, importer, replace=replace, **options)
    return run_publish(run, user=publisher)


def second_staff():
    """A staff member with the permission to publish who imported nothing: the second pair of
    eyes of the tests that import through the web or the command line."""
    user = get_user_model().objects.filter(username="second-eyes").first()
    return user or staff_make("second-eyes", PUBLISHER)


def draft_publish(run: ImportRun | None = None) -> ImportRun:
    """`run` (else the latest draft) published by `second_staff`, as the history's Publish
    button does after the importer's confirm."""
    if run is None:
        run = ImportRun.objects.filter(outcome=ImportRun.Outcome.DRAFT).latest("started")
    run_publish(run, user=second_staff())
    run.refresh_from_db()
    return run
