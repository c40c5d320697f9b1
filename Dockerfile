# Production image: gunicorn serving partystats.wsgi with production settings; WhiteNoise serves
# the static files collected at build time. Required at run time: SECRET_KEY, ALLOWED_HOSTS,
# DATABASE_URL (the container refuses to start without them).
#
#   docker build -t partystats .
#   docker run --rm -p 8000:8000 --env-file partystats.env partystats
#   docker run --rm --env-file partystats.env partystats python manage.py migrate
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, in their own layer: the project itself has no packages to build
# ([tool.setuptools] packages = []), so installing it from pyproject.toml alone installs them.
COPY pyproject.toml ./
RUN pip install . && rm -rf build *.egg-info

COPY . .

# Dummy values only for collectstatic: nothing here is kept in the image's environment.
RUN DJANGO_SETTINGS_MODULE=partystats.settings.production \
    SECRET_KEY=collectstatic-only-not-a-secret \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/collectstatic.sqlite3

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin partystats
USER partystats

# gunicorn binds 0.0.0.0:$PORT and starts $WEB_CONCURRENCY workers: both may be overridden
# with `docker run -e`. Threaded workers: a sync worker sending a national export (an XLSX of
# 100,000 rows takes tens of seconds) misses its heartbeat and is killed at --timeout, mid-file;
# a gthread worker keeps beating while a thread sends (bench/README.md).
ENV DJANGO_SETTINGS_MODULE=partystats.settings.production \
    PORT=8000 \
    WEB_CONCURRENCY=2
EXPOSE 8000

CMD ["gunicorn", "partystats.wsgi", "--worker-class", "gthread", "--threads", "4", \
     "--timeout", "120", "--access-logfile", "-", "--no-control-socket"]
