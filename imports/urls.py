"""Staff import pages, under /import/ (every one needs `imports.run_import`)."""

from django.urls import path, register_converter

from . import draft_view, publish_views, views


class Sha256Converter:
    """A staged upload's token: its SHA-256 in lower-case hex, nothing else."""

    regex = "[0-9a-f]{64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(Sha256Converter, "sha256")

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("template.xlsx", views.template_download, name="template"),
    path("history/", views.history, name="history"),
    path("history/<int:run_id>/restore/", views.restore, name="restore"),
    path("history/<int:run_id>/publish/", publish_views.publish, name="publish"),
    path("history/<int:run_id>/withdraw/", publish_views.withdraw, name="withdraw"),
    path("history/<int:run_id>/discard/", publish_views.discard, name="discard"),
    path("history/<int:run_id>/view/", draft_view.draft_view_start, name="draft_view"),
    path("draft/stop/", draft_view.draft_view_stop, name="draft_view_stop"),
    path("run/<int:run_id>/", views.run_detail, name="run"),
    path("<sha256:token>/", views.preview, name="preview"),
    path("<sha256:token>/errors.csv", views.errors_csv, name="errors_csv"),
    path("<sha256:token>/confirm/", views.confirm, name="confirm"),
    path("<sha256:token>/cancel/", views.cancel, name="cancel"),
    path("<sha256:token>/columns/", views.columns, name="columns"),
]
