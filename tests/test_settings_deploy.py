"""Production settings: `manage.py check --deploy` is clean, and a missing secret key stops start-up."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # A clean production environment: nothing of the test run (the browser tests' async switch included).
    dropped = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PTS_") and k not in dropped}
    env.update({
        "PTS_ENV": "production",
        "PTS_SECRET_KEY": secrets.token_urlsafe(60),
        "PTS_ALLOWED_HOSTS": "pts.example.org",
        "PTS_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "pts.settings",
    })
    env.update(extra)
    return env


def test_check_deploy_with_production_settings_prints_no_warnings(tmp_path):
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output and "security." not in output


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["PTS_SECRET_KEY"]
    done = manage("check", env=env)
    assert done.returncode != 0
    assert "PTS_SECRET_KEY" in done.stderr
    assert not (tmp_path / "secret-key").exists()


def test_production_turns_debug_off_even_when_asked(tmp_path):
    env = production_env(tmp_path, PTS_DEBUG="true")
    done = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG, "
                  "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].split() == ["False", "True", "True"]


def test_a_ceiling_on_amounts_above_the_database_limit_stops_start_up(tmp_path):
    done = manage("check", env=production_env(tmp_path, PTS_MAX_AMOUNT_BAHT="1000000000000000"))
    assert done.returncode != 0
    assert "PTS_MAX_AMOUNT_BAHT may be at most 40,000,000,000 baht" in done.stderr
