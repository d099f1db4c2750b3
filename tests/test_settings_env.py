import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_url

ROOT = Path(__file__).resolve().parent.parent


def test_env_bool(monkeypatch):
    monkeypatch.setenv("X", "yes")
    assert env_bool("X", default=False) is True
    monkeypatch.setenv("X", "0")
    assert env_bool("X", default=True) is False
    monkeypatch.setenv("X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X must be one of"):
        env_bool("X", default=False)


def test_env_int(monkeypatch):
    monkeypatch.setenv("N", "12")
    assert env_int("N", 1) == 12
    monkeypatch.setenv("N", "twelve")
    with pytest.raises(ImproperlyConfigured, match="N must be a whole number"):
        env_int("N", 1)


def test_env_list_and_url(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must be a URL with scheme"):
        env_url("DATABASE_URL", {"postgresql", "sqlite"})
    monkeypatch.delenv("DATABASE_URL")
    assert env_url("DATABASE_URL", {"postgresql"}) is None


def _run_without_secret(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_management_commands_run_without_a_secret():
    """makemigrations and check sign nothing: they run on a machine with no SECRET_KEY."""
    result = _run_without_secret("manage.py", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_serving_refuses_to_start_without_a_secret():
    result = _run_without_secret("-c", "import config.wsgi")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
