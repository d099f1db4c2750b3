import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import OidcSettings, env_bool, env_int, env_list, env_oidc, env_url

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


OIDC_VARS = (
    "OIDC_SERVER_URL",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_PROVIDER_ID",
    "OIDC_NAME",
)


@pytest.fixture
def no_oidc(monkeypatch):
    for name in OIDC_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_single_sign_on_is_off_without_its_variables(no_oidc):
    assert env_oidc() is None


def test_single_sign_on_from_the_environment(no_oidc):
    no_oidc.setenv("OIDC_SERVER_URL", "https://login.example.com/realms/acme/")
    no_oidc.setenv("OIDC_CLIENT_ID", "readiness")
    no_oidc.setenv("OIDC_CLIENT_SECRET", "s3cret")
    no_oidc.setenv("OIDC_NAME", "Acme SSO")
    oidc = env_oidc()
    assert oidc == OidcSettings(
        provider_id="sso",
        name="Acme SSO",
        server_url="https://login.example.com/realms/acme",
        client_id="readiness",
        client_secret="s3cret",
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OIDC_CLIENT_ID": "x"}, "needs OIDC_SERVER_URL too"),
        ({"OIDC_SERVER_URL": "https://idp.example"}, "needs OIDC_CLIENT_ID too"),
        ({"OIDC_SERVER_URL": "http://idp.example", "OIDC_CLIENT_ID": "x"}, "must be an https URL"),
        ({"OIDC_SERVER_URL": "idp.example", "OIDC_CLIENT_ID": "x"}, "must be an https URL"),
        (
            {
                "OIDC_SERVER_URL": "https://idp.example",
                "OIDC_CLIENT_ID": "x",
                "OIDC_PROVIDER_ID": "A B",
            },
            "OIDC_PROVIDER_ID must be",
        ),
    ],
)
def test_single_sign_on_settings_fail_loudly(no_oidc, env, message):
    for name, value in env.items():
        no_oidc.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        env_oidc()


def test_a_provider_on_this_machine_may_use_http(no_oidc):
    no_oidc.setenv("OIDC_SERVER_URL", "http://127.0.0.1:9000")
    no_oidc.setenv("OIDC_CLIENT_ID", "x")
    assert env_oidc().server_url == "http://127.0.0.1:9000"


def test_settings_configure_allauths_provider_from_the_environment():
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "OIDC_SERVER_URL": "https://idp.example",
        "OIDC_CLIENT_ID": "readiness",
        "OIDC_PROVIDER_ID": "acme",
        "OIDC_NAME": "Acme",
    }
    code = (
        "from django.conf import settings as s; "
        "a = s.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS'][0]; "
        "print(a['provider_id'], a['name'], a['client_id'], a['settings']['server_url'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.split() == ["acme", "Acme", "readiness", "https://idp.example"]


def test_trusted_proxy_count_cannot_be_negative():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "TRUSTED_PROXY_COUNT": "-1",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be 0 or more" in result.stderr
