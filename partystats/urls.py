from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import language

urlpatterns = [
    path("admin/", admin.site.urls),
    path("language/<str:language>/", language.language_choose, name="language"),
    # Staff sign in and out only: no public password-reset form (no mail is configured).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("import/", include("imports.urls")),
    path("", include("units.urls")),
]

# The site's own error pages, translated, with the view's message (partystats/errors.py).
handler400 = "partystats.errors.bad_request"
handler403 = "partystats.errors.permission_denied"
handler404 = "partystats.errors.page_not_found"
handler500 = "partystats.errors.server_error"
