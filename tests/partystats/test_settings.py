"""Production settings refuse to start without what they cannot guess, and pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "partystats.settings.production",
    # Dummy values: long and random enough for check --deploy, never used to serve anything.
    "SECRET_KEY": "test-only-dY7kQ2pV9xR4mT8wZ3nB6cF1hJ5gL0sA-uE7iO2yK9qW4rX8vN3bM6tP1zC",
    "ALLOWED_HOSTS": "partystats.example",
    "DATABASE_URL": "postgres://partystats@127.0.0.1:5432/partystats",
}
# The suite's own settings must not leak into the child: conftest sets DJANGO_ALLOW_ASYNC_UNSAFE
# for Playwright, which check --deploy rightly rejects in production.
ENV_NOT_INHERITED = {"DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
SETUP = "import django; django.setup(); print('started')"
PRINT_DEBUG = (
    "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
)


def run_python(args: list[str], env_overrides: dict[str, str], remove: tuple[str, ...] = ()):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in remove and key not in ENV_NOT_INHERITED
    }
    env.update({key: value for key, value in env_overrides.items() if key not in remove})
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("variable", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without(variable):
    result = run_python(["-c", SETUP], PRODUCTION_ENV, remove=(variable,))

    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


@pytest.mark.parametrize("variable", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_an_empty_value(variable):
    result = run_python(["-c", SETUP], {**PRODUCTION_ENV, variable: ""})

    assert result.returncode != 0
    assert variable in result.stderr


def test_production_starts_with_the_three_variables():
    result = run_python(["-c", SETUP], PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_production_passes_check_deploy_without_warnings():
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_production_turns_debug_off_whatever_the_environment_says():
    result = run_python(["-c", PRINT_DEBUG], {**PRODUCTION_ENV, "DEBUG": "true"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
