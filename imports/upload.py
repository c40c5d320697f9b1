"""Receiving an upload no larger than IMPORT_MAX_UPLOAD_BYTES (issue 5, "Upload defences").

Django's own handlers keep the whole file, in memory or in a temporary file, before any form
can look at its size: a file of gigabytes would fill the disk first. `UploadLimit` goes first
in the upload view's handlers and stops the upload as soon as more than the limit has come in.

What happens to the rest of the request: a browser shows the refusal page only once it has sent
its whole request, so up to DRAIN_BYTES past the limit are read and thrown away (nothing is
kept; Django drains line by line, so a file without line breaks may pass through memory
DRAIN_BYTES at once); a larger request is cut off, and the browser shows a connection error
instead of the page.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

DRAIN_BYTES = 32 * 1024 * 1024  # at office network speeds, a few seconds


class UploadLimit(FileUploadHandler):
    """Counts the bytes of every file in the request; past `limit`, stops the upload and
    records how large the request said it was in `refused_size` (None while accepted)."""

    def __init__(self, request=None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.request_size = 0
        self.refused_size: int | None = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_size = content_length
        return None  # the multipart parser goes on, with this handler counting

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)  # all files together: two halves make a whole
        if self.received > self.limit:
            # The size shown to the user: the request's, a few hundred bytes more than the file.
            self.refused_size = max(self.request_size, self.received)
            raise StopUpload(connection_reset=self.request_size > self.limit + DRAIN_BYTES)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) gives the file
