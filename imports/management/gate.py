"""What `publish_import` and `withdraw_import` share: finding the run and the staff member named
on the command line, and saying why the publish gate refused (issue 11 §2)."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from imports.models import ImportRun
from imports.publish import PublishRefused

REFUSED = 1  # exit status: the gate refused, the reason on stderr
USAGE = 2  # exit status: no such run or user


def run_named(run: int) -> ImportRun:
    found = ImportRun.objects.filter(pk=run).first()
    if found is None:
        raise CommandError(f"No import #{run}.", returncode=USAGE)
    return found


def user_named(username: str):
    found = get_user_model().objects.filter(username=username).first()
    if found is None:
        raise CommandError(f"No user {username!r}.", returncode=USAGE)
    return found


def refused(command, refusal: PublishRefused) -> CommandError:
    """Each reason on the command's stderr; the error to raise (exit status 1)."""
    for issue in refusal.issues:
        command.stderr.write(issue.line())
    return CommandError("Refused.", returncode=REFUSED)
