"""Published province figures (docs/domain.md §3), loaded from fixtures/published_figures.json.

Each source and note is stored in both languages (`title`/`title_en`, `note`/`note_en`): the
pages show the visitor's (`Source.shown_title`, `UnitFigure.shown_note`).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from units.domain.coverage import data_version_bump, period_for_date
from units.models import Qualifier, Source, Unit, UnitFigure

PUBLISHED_FIGURES = Path(settings.BASE_DIR) / "fixtures" / "published_figures.json"


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def sources_load(sources: dict[str, dict]) -> dict[str, Source]:
    """By the fixture's key, so a corrected title or address updates the source in place."""
    loaded = {}
    for key, fields in sources.items():
        loaded[key], _ = Source.objects.update_or_create(
            key=key,
            defaults={
                "title": fields["title"],
                "title_en": fields.get("title_en", ""),
                "url": fields["url"],
                "published": _date(fields["published"]),
            },
        )
    return loaded


@transaction.atomic
def published_figures_load(path: Path = PUBLISHED_FIGURES) -> int:
    """Load or refresh every published figure; returns how many there are. Idempotent."""
    data = json.loads(path.read_text(encoding="utf-8"))
    sources = sources_load(data["sources"])
    for row in data["figures"]:
        scheme, level, code = row["unit"]
        UnitFigure.objects.update_or_create(
            unit=Unit.objects.get(scheme=scheme, level=level, code=code),
            period=period_for_date(_date(row["date"])),
            metric=row["metric"],
            source=sources[row["source"]],
            defaults={
                "value": row["value"],
                "qualifier": row.get("qualifier", Qualifier.EXACT),
                "span_start": _date(row.get("span_start")),
                "denominator": row.get("denominator"),
                "note": row.get("note", ""),
                "note_en": row.get("note_en", ""),
                "stated_per_year": row.get("stated_per_year"),
                "stated_per_year_qualifier": row.get("stated_per_year_qualifier", ""),
            },
        )
    data_version_bump()
    return len(data["figures"])
