"""Withdraw a published import from the command line: its figures leave the site, every figure at
every date as it was before it was published (issue 11 §2, docs/import-format.md "What an import
does"). It can be published again.

    python manage.py withdraw_import RUN [--user USERNAME]

With --user, as that staff member would on the web: they must hold the permission to publish.
Without, as an operator on the server (as `import_report --publish` publishes): recorded as
withdrawn from the command line.

Exit status: 0 withdrawn; 1 refused (the reason on stderr: not published, the permission, or
what it replaced is held again); 2 wrong usage (no such run or user).
"""

from django.core.management.base import BaseCommand

from imports.management.gate import refused, run_named, user_named
from imports.publish import PublishRefused, run_withdraw


class Command(BaseCommand):
    help = "Withdraw a published import (as USERNAME, who must hold the permission to publish)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("run", type=int, help="the import's number (#) in the history")
        parser.add_argument("--user", help="the staff member withdrawing it (default: the server)")

    def handle(self, *args, run: int, user: str | None, **options) -> None:
        published = run_named(run)
        who = user_named(user) if user is not None else None
        try:
            run_withdraw(published, user=who, command_line=who is None)
        except PublishRefused as refusal:
            raise refused(self, refusal) from None
        by = f" by {user}" if user else " from the command line"
        self.stdout.write(self.style.SUCCESS(f"Import #{published.id} withdrawn{by}."))
