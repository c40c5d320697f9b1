"""Settings shared by every environment. Values that differ come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-local-only-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "csp",
    "axes",
    "units",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that can answer an error: errors under /api/ become JSON.
    "units.web.api_errors.ApiJsonErrorsMiddleware",
    # Before the session and auth: answers anonymous visitors from rendered pages (see CACHES).
    "partystats.middleware.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "partystats.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "partystats.middleware.DataVersionCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A staff member viewing a draft: the page rendered with it, in a transaction rolled back
    # (imports/draft_view.py); before the read snapshot, whose transaction could not write.
    "imports.draft_view.DraftViewMiddleware",
    # Around the view only: each public page reads one snapshot of the figures.
    "partystats.middleware.ReadSnapshotMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partystats.urls"
WSGI_APPLICATION = "partystats.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "partystats.context_processors.synthetic_villages",
                "imports.draft_view.draft_banner",
            ],
        },
    },
]

# SQLite's write-ahead log (WAL): a reader keeps its snapshot while a writer commits beside it.
# In the default rollback journal a streamed download's read transaction (the coverage table's
# CSV or XLSX, partystats.middleware.SnapshotStream) held a lock that made an import's commit
# wait, and fail after the busy timeout (5 s) with "database is locked". synchronous=NORMAL is
# the usual companion of WAL: no fsync at each commit, only at checkpoints; a power cut may lose
# the last commits, never corrupt the file. Django runs each ";"-separated command on every new
# connection; the journal mode is kept in the file, an in-memory database (the tests') stays
# "memory". The deferred BEGIN is kept: IMMEDIATE would make every read transaction, the
# downloads' too, take the write lock; the writes that read first take it at their BEGIN
# (units.domain.transactions.write_transaction), and so do the pages that write and roll back
# (a draft view, a plan page: trial_write), so that writers take turns. The -wal and -shm
# files beside the database belong to it: see docs/deployment.md, "SQLite", before copying one.
SQLITE_INIT_COMMAND = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL"


def sqlite_in_wal(database: dict) -> dict:
    """`database` (a DATABASES entry) with SQLite's WAL options; other engines as they are."""
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return database
    options = {"init_command": SQLITE_INIT_COMMAND, **database.get("OPTIONS", {})}
    return {**database, "OPTIONS": options}


# SQLite in the project by default; PostgreSQL in production through DATABASE_URL.
DATABASES = {
    "default": sqlite_in_wal(
        dj_database_url.parse(
            os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
            conn_max_age=60,
        )
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_from_url(url: str, *, max_entries: int) -> dict:
    """A CACHES entry from CACHE_URL: locmem:// (the default), redis://, rediss://,
    memcached://host:port[,host:port] or dummy://.

    Redis uses the `redis` package (a dependency of the project); memcached needs `pymemcache`,
    which is not one: install it if you use it (docs/deployment.md).
    """
    scheme, _, rest = url.partition("://")
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": rest or "partystats",
            "OPTIONS": {"MAX_ENTRIES": max_entries},
        }
    if scheme in ("redis", "rediss"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "memcached":
        return {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": rest.rstrip("/").split(","),
        }
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ValueError(f"CACHE_URL: unknown scheme {scheme!r} (locmem, redis, memcached, dummy)")


# The page cache (partystats.middleware.PageCacheMiddleware) keeps rendered public pages under
# a key holding the data version, so an import makes them unreachable at once: the lifetime and
# MAX_ENTRIES (locmem only; Redis and memcached have their own memory limit) only bound the
# memory. locmem:// is one cache per worker process; redis:// or memcached:// share the pages
# between the workers and the hosts.
CACHE_URL = os.environ.get("CACHE_URL", "locmem://")
CACHES = {
    "default": cache_from_url(CACHE_URL, max_entries=int(os.environ.get("CACHE_MAX_ENTRIES", 500)))
}
PAGE_CACHE_ALIAS = "default"
# How long a rendered page is kept, in seconds. 0 stores nothing: development shows a template
# edit at once and the tests count the queries of every render. production.py turns it on.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", 0))
# Larger pages and exports are rendered (or streamed) every time.
PAGE_CACHE_MAX_BYTES = int(os.environ.get("PAGE_CACHE_MAX_BYTES", 512 * 1024))
# After an import commits, this many of the most visited pages are rendered into the cache
# (units.web.warm; 0: none), under the scheme and host visitors use: PAGE_CACHE_WARM_ORIGIN
# (e.g. https://partystats.example.org), else the first host of ALLOWED_HOSTS. By default only a
# shared cache is warmed: with locmem:// the pages would fill one worker's cache of several, or
# die with the process of an import run from the command line.
PAGE_CACHE_WARM_PAGES = int(
    os.environ.get(
        "PAGE_CACHE_WARM_PAGES", 0 if CACHE_URL.startswith(("locmem:", "dummy:")) else 500
    )
)
PAGE_CACHE_WARM_ORIGIN = os.environ.get("PAGE_CACHE_WARM_ORIGIN", "")

# django-axes first: it refuses a locked-out username + address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "login"

# Security headers that are harmless over plain HTTP (local, test); the HTTPS-only ones (HSTS,
# secure cookies, redirect) are in production.py.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): no inline script or style anywhere. Scripts are files
# under static/ (Chart.js is the project's own copy), page data travels in json_script blocks
# (type="application/json", never run) and Chart.js sizes its canvas through the CSSOM, which
# CSP does not govern. data: images: the favicon and the charts' PNG download links.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Who may frame the embeddable charts (/embed/…, units/web/embed.py): any site by default; a
# comma-separated list of origins narrows it. Every other page keeps frame-ancestors 'none'.
EMBED_FRAME_ANCESTORS = env_list("EMBED_FRAME_ANCESTORS", "*")

# Login throttling (django-axes): 5 failed logins for one username from one address lock that
# pair out for 15 minutes (each further try restarts the wait); a success clears the count.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"

# Import limits (issue 3): uploads and what a workbook may expand to.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
IMPORT_MAX_UNZIPPED_BYTES = int(os.environ.get("IMPORT_MAX_UNZIPPED_BYTES", 400 * 1024 * 1024))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 250_000))
# The child process that reads a workbook's cells (imports.reader) may use this much memory and
# CPU time: a hostile file claiming billions of cells is stopped there, never in the server.
# The national report (100,000 rows) needs about 150 MB.
IMPORT_MAX_READ_MEMORY = int(os.environ.get("IMPORT_MAX_READ_MEMORY", 1024**3))
IMPORT_MAX_READ_SECONDS = int(os.environ.get("IMPORT_MAX_READ_SECONDS", 120))
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploads wait here, named by their SHA-256, between the preview and the confirm.
IMPORT_STAGING_DIR = Path(os.environ.get("IMPORT_STAGING_DIR", BASE_DIR / "var" / "imports"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

FORMAT_MODULE_PATH = ["partystats.formats"]
