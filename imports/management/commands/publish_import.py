"""Publish a draft import from the command line, as a named staff member would on the web.

    python manage.py publish_import RUN --user USERNAME

The user must hold the permission to publish and must not be the one who imported the run (four
eyes: issue 11 §2, docs/import-format.md "What an import does"); the draft is read and validated
again first. Recorded as published by that user.

Exit status: 0 published; 1 refused (the reason on stderr; the draft stays a draft); 2 wrong
usage (no such run or user).
"""

from django.core.management.base import BaseCommand

from imports.management.gate import refused, run_named, user_named
from imports.publish import PublishRefused, run_publish


class Command(BaseCommand):
    help = "Publish a draft import as USERNAME (who must hold the permission to publish)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("run", type=int, help="the import's number (#) in the history")
        parser.add_argument("--user", required=True, help="the publisher's username")

    def handle(self, *args, run: int, user: str, **options) -> None:
        draft = run_named(run)
        publisher = user_named(user)
        try:
            run_publish(draft, user=publisher)
        except PublishRefused as refusal:
            raise refused(self, refusal) from None
        draft.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(f"Import #{draft.id} published by {user}. {draft.summary}")
        )
