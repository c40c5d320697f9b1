"""The test suite: same as production in behaviour, fast hashing, static files unhashed."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# Login throttling stays on, as in production, so the suite proves it
# (tests/partystats/test_security.py);
# every test starts with no failed attempts, since the attempts live in the rolled-back database.
AXES_ENABLED = True
