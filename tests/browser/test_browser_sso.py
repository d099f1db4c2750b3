"""Single sign-on end to end: a real OpenID Connect provider (npm's oidc-provider, started here on
loopback by tests/oidc/provider.mjs), headless Chromium clicking "Sign in with Acme SSO", signing
in at the provider and landing signed in at Readiness.

Needs node and `npm ci` (package.json's oidc-provider); without them the tests are skipped, and
fail with CI set, like the other tools of this folder (tests/browser/conftest.py).
"""

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import override_settings
from playwright.sync_api import Page, expect

from config.security import content_security_policy
from readiness import services
from readiness.models import Membership, Role, User
from tests.browser.conftest import missing
from tests.factories import make_org

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
PROVIDER_ID = "acme"
CLIENT_ID = "readiness-test"
CLIENT_SECRET = "test-only-client-secret"
ACCOUNTS = {
    "alice": {
        "password": "alice-at-the-idp",
        "email": "alice@acme.example",
        "email_verified": True,
        "given_name": "Alice",
        "family_name": "Ng",
    },
    "bob": {
        "password": "bob-at-the-idp",
        "email": "bob@acme.example",
        "email_verified": False,
        "given_name": "Bob",
        "family_name": "Ito",
    },
    "carol": {
        "password": "carol-at-the-idp",
        "email": "carol@acme.example",
        "email_verified": True,
        "given_name": "Carol",
        "family_name": "Diaz",
    },
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def identity_provider(live_server, tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        missing("node is not installed (apt-get install nodejs)")
    if not (ROOT / "node_modules" / "oidc-provider").exists():
        missing("oidc-provider not installed: node_modules/oidc-provider is missing (npm ci)")
    accounts = tmp_path_factory.mktemp("idp") / "accounts.json"
    accounts.write_text(json.dumps(ACCOUNTS))
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    callback = f"{live_server.url}/accounts/oidc/{PROVIDER_ID}/login/callback/"
    process = subprocess.Popen(
        [node, str(PROVIDER_SCRIPT), str(port), callback, CLIENT_ID, CLIENT_SECRET, str(accounts)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration") as r:  # noqa: S310
                    assert json.load(r)["issuer"] == issuer
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"the OIDC provider did not start: {process.stderr.read()}")
                time.sleep(0.2)
        # As config/settings.py builds it from OIDC_* (tested in tests/test_settings_env.py).
        sso = {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": PROVIDER_ID,
                        "name": "Acme SSO",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {"server_url": issuer},
                    }
                ],
            }
        }
        # The policy lets the sign-in form be redirected to the provider, as settings.py
        # builds it when OIDC_SERVER_URL is set.
        policy = content_security_policy(sso_origin=issuer)
        with override_settings(SOCIALACCOUNT_PROVIDERS=sso, CONTENT_SECURITY_POLICY=policy):
            yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _sign_in_with_sso(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("button", name="Sign in with Acme SSO").click()
    page.wait_for_url(re.compile(r"http://127\.0\.0\.1:\d+/interaction/"))
    page.get_by_label("Username").fill(login)
    page.get_by_label("Password").fill(ACCOUNTS[login]["password"])
    page.get_by_role("button", name="Sign in to Test IdP").click()
    page.wait_for_url(re.compile(re.escape(base)))
    page.wait_for_load_state("networkidle")


def test_sign_in_with_sso_lands_signed_in(page: Page, live_server, identity_provider):
    _sign_in_with_sso(page, live_server.url, "alice")
    # A new account, signed in, and sent on to create an organization.
    expect(page).to_have_url(f"{live_server.url}/orgs/new/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Create your organization")
    expect(page.locator(".topbar")).to_contain_text("alice@acme.example")
    alice = User.objects.get(email="alice@acme.example")
    assert (alice.first_name, alice.last_name) == ("Alice", "Ng")
    assert EmailAddress.objects.get(user=alice).verified  # the provider said so


def test_an_unverified_address_from_sso_accepts_nothing(page: Page, live_server, identity_provider):
    """The provider does not vouch for bob's address: he must verify it by a code before he is
    signed in, and only then is the invitation to it shown, for him to accept."""
    org, admin = make_org("Acme Health")
    services.invitation_create(
        actor=admin, organization=org, email="bob@acme.example", role=Role.ORG_ADMIN
    )
    sent_before = len(mail.outbox)
    _sign_in_with_sso(page, live_server.url, "bob")
    expect(page).to_have_url(f"{live_server.url}/accounts/confirm-email/")
    bob = User.objects.get(email="bob@acme.example")
    assert not Membership.objects.filter(user=bob).exists()
    assert not EmailAddress.objects.get(user=bob).verified
    code_mail = next(m for m in mail.outbox[sent_before:] if m.to == ["bob@acme.example"])
    code = re.search(r"browser window\.\s+(\S+)", code_mail.body).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_contain_text("You have been invited")
    assert not Membership.objects.filter(user=bob).exists()  # shown, not accepted
    page.get_by_role("button", name="Accept the invitation to Acme Health").click()
    page.wait_for_load_state("networkidle")
    assert Membership.objects.get(user=bob, organization=org).role == Role.ORG_ADMIN


def test_a_verified_address_from_sso_is_offered_its_invitation(
    page: Page, live_server, identity_provider
):
    org, admin = make_org("Acme Health")
    services.invitation_create(
        actor=admin, organization=org, email="carol@acme.example", role=Role.EXECUTIVE
    )
    _sign_in_with_sso(page, live_server.url, "carol")
    expect(page.get_by_role("heading", level=1)).to_contain_text("You have been invited")
    carol = User.objects.get(email="carol@acme.example")
    assert not Membership.objects.filter(user=carol).exists()  # nothing accepted by itself
    page.get_by_role("button", name="Accept the invitation to Acme Health").click()
    page.wait_for_load_state("networkidle")
    assert Membership.objects.get(user=carol, organization=org).role == Role.EXECUTIVE


def test_a_wrong_password_at_the_provider_signs_nobody_in(
    page: Page, live_server, identity_provider
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Acme SSO").click()
    page.wait_for_url(re.compile(r"/interaction/"))
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Sign in to Test IdP").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    assert not User.objects.filter(email="alice@acme.example").exists()
