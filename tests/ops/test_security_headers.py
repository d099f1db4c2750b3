"""Production settings: `check --deploy` is clean with DEBUG off and TLS on, and every answer
carries the security headers (CSP without inline script or style, Permissions-Policy, ...)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from ops.headers import permissions_policy
from readiness.templatetags.readiness_tags import pct

ROOT = Path(__file__).resolve().parent.parent.parent
STRONG_SECRET = "k2Vq9xT7pLr4Zs8Wn3Jb6Hd1Fy5Mc0Ga-Qe_Uo2Iw7Rt4Yp9Sx3Lz8Nv6Bk1Dh"  # 64 mixed

TLS_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": STRONG_SECRET,
    "AUDIT_KEY": "a" * 16 + STRONG_SECRET,
    "ALLOWED_HOSTS": "readiness.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://readiness.example.com",
    "SECURE_SSL_REDIRECT": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "1",
}


def _manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_check_deploy_reports_nothing_with_debug_off_and_tls_on():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **TLS_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_hsts_follows_the_https_redirect_unless_told_otherwise():
    """SECURE_SSL_REDIRECT turns HSTS on (a year, with subdomains) without SECURE_HSTS_SECONDS;
    without TLS settings it stays off, and the check says so (on stderr)."""
    env = {k: v for k, v in TLS_ENV.items() if k not in ("SECURE_HSTS_SECONDS",)}
    result = _manage("check", "--deploy", **env)
    assert "no issues" in result.stdout, result.stdout + result.stderr
    plain = {k: v for k, v in TLS_ENV.items() if not k.startswith("SECURE_")}
    result = _manage("check", "--deploy", **plain)
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
}


def csp_directives(header: str) -> dict[str, str]:
    parts = (p.strip().split(None, 1) for p in header.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


@pytest.mark.django_db
def test_pages_carry_the_policy_and_the_other_headers(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    directives = csp_directives(response["Content-Security-Policy"])
    for name, value in EXPECTED_CSP.items():
        assert directives[name] == value, name
    assert "unsafe" not in response["Content-Security-Policy"]
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_json_answers_carry_the_headers_too(client):
    response = client.get("/healthz")
    assert "Content-Security-Policy" in response and "Permissions-Policy" in response


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_is_sent_over_https(client):
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/healthz")  # never over plain http


@pytest.mark.django_db
def test_only_the_api_docs_relax_the_style_policy(client, admin):
    client.force_login(admin)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    directives = csp_directives(page["Content-Security-Policy"])
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["script-src"] == "'self'"
    assert "<script>" not in page.content.decode()  # the init script is its own request
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_form_action_names_the_single_sign_on_provider():
    """allauth's SSO form posts here and is redirected to the provider: form-action allows it."""
    code = (
        "from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    env.update(
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        OIDC_SERVER_URL="https://login.example.com/realms/acme",
        OIDC_CLIENT_ID="readiness",
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[\"'self'\", 'https://login.example.com']"


def test_permissions_policy_value():
    assert permissions_policy({"camera": [], "fullscreen": ["self", "https://a.example"]}) == (
        'camera=(), fullscreen=(self "https://a.example")'
    )


@pytest.mark.parametrize(
    ("value", "css_class"),
    [
        (0, "pct-0"),
        (42, "pct-42"),
        ("11.67", "pct-12"),
        (-3, "pct-0"),
        (250, "pct-100"),
        (None, "pct-0"),
    ],
)
def test_pct_class_is_a_whole_clamped_percentage(value, css_class):
    assert pct(value) == css_class
