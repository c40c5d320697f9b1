"""The import's test hook (imports.services.write_hook), for tests that kill an import midway or
read the site while it holds its transaction open: tests/imports/test_import_interrupted.py and
tests/partystats/test_readers_during_import.py.

Their `manage.py import_report` subprocess runs with DJANGO_SETTINGS_MODULE=tests.import_pause
(these settings: the test settings plus the hook) and says where to pause in its environment:
- PARTYSTATS_IMPORT_PAUSE_AFTER_ROWS=N: pause after writing the first N village figures;
- PARTYSTATS_IMPORT_PAUSE_BEFORE_COMMIT=1: pause with everything written, the commit left;
- PARTYSTATS_IMPORT_PAUSE_MARKER=path: the file written when paused, saying where;
- PARTYSTATS_IMPORT_PAUSE_SECONDS (60): how long the pause lasts.
Production code reads none of these: only this module does, once a test's settings load it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from partystats.settings.test import *  # noqa: F403

IMPORT_WRITE_HOOK = "tests.import_pause.ImportPause"

AFTER_ROWS = "PARTYSTATS_IMPORT_PAUSE_AFTER_ROWS"
BEFORE_COMMIT = "PARTYSTATS_IMPORT_PAUSE_BEFORE_COMMIT"
MARKER = "PARTYSTATS_IMPORT_PAUSE_MARKER"
SECONDS = "PARTYSTATS_IMPORT_PAUSE_SECONDS"
SETTINGS = "tests.import_pause"


class ImportPause:
    """Holds the open transaction at the points the environment names, so that a test can kill
    the process or read the site there."""

    def __init__(self) -> None:
        after = os.environ.get(AFTER_ROWS)
        self.figures_before_pause = int(after) if after else None

    def pause(self, point: str) -> None:
        if point == "before commit" and not os.environ.get(BEFORE_COMMIT):
            return
        from units.models import VillageFigure

        figures = VillageFigure.objects.count()  # this transaction's view: its own writes too
        marker = os.environ.get(MARKER)
        if marker:  # written whole, then renamed: a test never reads half of it
            Path(f"{marker}.tmp").write_text(f"{point}: {figures} village figures, not committed")
            os.replace(f"{marker}.tmp", marker)
        time.sleep(float(os.environ.get(SECONDS, "60")))
