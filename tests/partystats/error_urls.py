"""The site's URLs plus three that fail on purpose, for tests/partystats/test_error_pages.py."""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from partystats.errors import BadQuery
from partystats.urls import handler400, handler403, handler404, handler500  # noqa: F401
from partystats.urls import urlpatterns as site_urlpatterns


def bad_query(request):
    raise BadQuery("Không phải ngày: 20x7")


def suspicious(request):
    raise SuspiciousOperation("secret detail <script>")


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("test-errors/bad-query/", bad_query),
    path("test-errors/suspicious/", suspicious),
    path("test-errors/broken/", broken),
    path("api/test-errors/bad-query/", bad_query),
    *site_urlpatterns,
]
