"""Uploads waiting between the preview and the confirm: one folder per user, files named by
their SHA-256, listed in the uploader's session so nobody else can reach them."""

from __future__ import annotations

import datetime
import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from .preview import Preview
from .services import report_preview

SESSION_KEY = "imports.staged"
STAGED_MAX_AGE = 24 * 3600  # seconds an abandoned upload is kept


@dataclass(frozen=True)
class Staged:
    """An uploaded file waiting for confirm or cancel. `token` is its SHA-256."""

    token: str
    path: Path
    file_name: str  # as the client sent it: shown and recorded, never used in a path
    date: datetime.date | None
    replace: bool


def _staging_dir(user) -> Path:
    return Path(settings.IMPORT_STAGING_DIR) / f"user-{int(user.pk)}"


def upload_stage(request: HttpRequest, upload, *, date, replace: bool) -> str:
    """Write the upload into the user's staging folder under its SHA-256; returns the hash."""
    directory = _staging_dir(request.user)
    directory.mkdir(parents=True, exist_ok=True)
    _stale_remove(directory)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".upload-", delete=False) as out:
        try:
            for chunk in upload.chunks():
                digest.update(chunk)
                out.write(chunk)
        except BaseException:
            Path(out.name).unlink(missing_ok=True)
            raise
    token = digest.hexdigest()
    os.replace(out.name, directory / token)
    staged = request.session.get(SESSION_KEY, {})
    staged[token] = {
        "file_name": Path(upload.name or "").name[:255],
        "date": date.isoformat() if date else None,
        "replace": replace,
    }
    request.session[SESSION_KEY] = staged
    return token


def _stale_remove(directory: Path) -> None:
    """Uploads abandoned (never confirmed or cancelled) for a day are deleted."""
    limit = time.time() - STAGED_MAX_AGE
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def staged_get(request: HttpRequest, token: str) -> Staged:
    """The upload `token` of this user's session; 404 for anyone else's."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None:
        raise Http404(_("No such upload: upload the file again."))
    date = datetime.date.fromisoformat(entry["date"]) if entry["date"] else None
    path = _staging_dir(request.user) / token
    return Staged(token, path, entry["file_name"], date, bool(entry["replace"]))


def staged_list(request: HttpRequest) -> list[dict]:
    return [
        {"token": token, "file_name": entry["file_name"]}
        for token, entry in request.session.get(SESSION_KEY, {}).items()
    ]


def unstage(request: HttpRequest, staged: Staged) -> None:
    staged.path.unlink(missing_ok=True)
    entries = request.session.get(SESSION_KEY, {})
    entries.pop(staged.token, None)
    request.session[SESSION_KEY] = entries


def staged_preview(request: HttpRequest, staged: Staged) -> Preview:
    return report_preview(
        path_or_file=staged.path, file_name=staged.file_name, date=staged.date, user=request.user
    )
