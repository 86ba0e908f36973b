"""Production settings: `check --deploy` is clean, and secrets come only from the environment."""

import os
import secrets
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    # given the variables the README says make it production
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="crm.example.com",
        REVENUE_VAR_DIR=str(tmp_path),
    )
    # then Django finds nothing to warn about
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_embedded_database_passes_the_database_checks_without_a_warning(tmp_path):
    # given the embedded default: no DATABASE_URL, a SQLite file (as `make run` migrates it)
    env = {"REVENUE_VAR_DIR": str(tmp_path)}
    os_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}

    # when: the checks `migrate` and `runserver` run, the database ones included
    result = subprocess.run(  # noqa: S603 - our interpreter and manage.py
        [sys.executable, "manage.py", "check", "--database", "default", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**os_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # then nothing is printed to worry a user
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "W040" not in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "DEBUG": "false", "REVENUE_VAR_DIR": str(tmp_path)},
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set" in result.stderr


@pytest.mark.django_db
def test_roles_exist_after_migrations():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Sales",
        "Sales manager",
        "Marketing",
        "Service",
        "RevOps",
    }


def test_make_run_generates_its_secret_key_once_and_keeps_it_private(tmp_path):
    # given `make run`'s settings: DEBUG off, plain HTTP, a key file in the var directory
    key_file = tmp_path / "secret_key"
    env = {
        "DEBUG": "false",
        "PLAIN_HTTP": "true",
        "SECRET_KEY_FILE": str(key_file),
        "REVENUE_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "",
    }
    # when Django starts twice
    first = _manage("check", **env)
    key = key_file.read_text()
    second = _manage("check", **env)
    # then one key was generated, readable by its owner only, and kept
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert len(key) >= 50
    assert key_file.read_text() == key
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_with_debug_off_a_404_does_not_list_the_url_patterns(client, settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Using the URLconf" not in body
    assert "api/" not in body


def _clock_defaults():
    """Every model field whose default is a time of day, with that time (called if callable)."""
    for model in apps.get_models():
        for field in model._meta.local_fields:
            if isinstance(field, models.TimeField) and field.has_default():
                yield model, field, field.get_default()


def test_the_checks_stay_quiet_when_the_clock_reads_a_fields_default_time(monkeypatch):
    # given the working-day defaults (9:00, 17:00, 17:30): Django's fields.W161 warns about a fixed
    # time default when `check` runs within ten seconds of it, which failed CI once at 17:30 UTC
    fields = list(_clock_defaults())
    assert {(f.model.__name__, f.name) for _, f, _ in fields} >= {
        ("User", "work_start"),
        ("User", "work_end"),
        ("SlaPolicy", "day_start"),
        ("SlaPolicy", "day_end"),
    }
    for model, field, default in fields:
        # when the clock reads exactly that time today
        moment = datetime.combine(date(2026, 12, 4), default, tzinfo=UTC)
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        # then the field's checks find nothing to warn about
        assert [m.id for m in field.check()] == [], f"{model.__name__}.{field.name} at {default}"
