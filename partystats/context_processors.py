"""Template context every page gets."""

from __future__ import annotations

from django.http import HttpRequest

from partystats.middleware import request_data_version


def synthetic_villages(request: HttpRequest) -> dict:
    """Whether the database holds synthetic villages, for base.html's provenance line.

    Read from the data version the request reads anyway (`DataVersion.synthetic_villages`, set
    at each bump): no query on a public page, one on a staff page, and none at all when the
    template does not ask (a callable: templates call it when they use it)."""
    return {"synthetic_villages": lambda: request_data_version(request).synthetic_villages}
