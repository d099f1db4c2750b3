"""Organizations that require two-factor authentication of their org admins, governance
reviewers and executives: the setting (org admins, audited) and its enforcement at every request
(readiness.middleware.MfaRequiredMiddleware)."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from readiness import services
from readiness.models import AuditEvent, Role
from tests.factories import add_member, make_org
from tests.readiness.pages_support import PASSWORD, members_url

COVERED = [Role.ORG_ADMIN, Role.GOVERNANCE_REVIEWER, Role.EXECUTIVE]
NOT_COVERED = [Role.PROGRAM_MANAGER, Role.VIEWER]


@pytest.fixture
def strict_org(org, admin):
    return services.organization_set_mfa_required(actor=admin, organization=org, required=True)


def _with_totp(user):
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


# The setting


def test_an_org_admin_requires_mfa_and_it_is_audited(client, org, admin):
    client.force_login(admin)
    response = client.post(reverse("org_security", args=[org.slug]), {"mfa_required": "on"})
    assert response["Location"] == members_url(org)
    org.refresh_from_db()
    assert org.mfa_required
    event = AuditEvent.objects.filter(organization=org, action="organization.update").latest("id")
    assert (event.before, event.after) == ({"mfa_required": False}, {"mfa_required": True})
    assert event.actor_id == admin.pk
    # Unticking the box turns it off again (an unticked checkbox sends nothing).
    _with_totp(admin)
    client.post(reverse("org_security", args=[org.slug]), {})
    org.refresh_from_db()
    assert not org.mfa_required


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ORG_ADMIN])
def test_only_org_admins_change_the_setting(client, org, role):
    member = add_member(org, role)
    client.force_login(member)
    response = client.post(reverse("org_security", args=[org.slug]), {"mfa_required": "on"})
    assert response.status_code == 403
    org.refresh_from_db()
    assert not org.mfa_required
    with pytest.raises(PermissionDenied):
        services.organization_set_mfa_required(actor=member, organization=org, required=True)


def test_the_members_page_shows_who_has_a_second_factor(client, org, admin, pm):
    reviewer = _with_totp(add_member(org, Role.GOVERNANCE_REVIEWER))
    client.force_login(admin)
    page = client.get(members_url(org)).text
    assert "Sign-in security" in page
    assert "Require two-factor authentication" in page
    # The admin has none: one member in the covered roles (the reviewer has one).
    assert "1 member in these roles has no second factor yet" in page
    row = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(reviewer.email)}.*?</tr>", page, re.S)
    assert row and 'badge badge-ok">on<' in row.group(0)
    client.force_login(pm)
    assert "Sign-in security" not in client.get(members_url(org)).text


# Enforcement


@pytest.mark.parametrize("role", COVERED)
def test_a_covered_member_without_a_second_factor_is_sent_to_set_one_up(
    client, org, strict_org, role
):
    member = add_member(org, role)
    client.force_login(member)
    for path in ("/", reverse("usecase_list", args=[org.slug]), reverse("org_create"), "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("mfa_index"), path
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    role_name = dict(Role.choices)[role].lower()
    assert f"{org.name} requires two-factor authentication of its {role_name}s" in page.text


@pytest.mark.parametrize("role", NOT_COVERED)
def test_other_roles_are_not_asked(client, org, strict_org, role):
    member = add_member(org, role)
    client.force_login(member)
    assert client.get(reverse("usecase_list", args=[org.slug])).status_code == 200


def test_nobody_is_asked_where_the_organization_does_not_require_it(client, org, admin):
    client.force_login(admin)
    assert client.get(reverse("usecase_list", args=[org.slug])).status_code == 200


def test_a_member_with_a_second_factor_goes_through(client, org, admin, strict_org):
    _with_totp(admin)
    client.force_login(admin)
    assert client.get(reverse("usecase_list", args=[org.slug])).status_code == 200
    assert client.get("/api/v1/use-cases/").status_code == 200


def test_recovery_codes_alone_are_not_a_second_factor(client, org, admin, strict_org):
    Authenticator.objects.create(user=admin, type=Authenticator.Type.RECOVERY_CODES, data={})
    client.force_login(admin)
    assert client.get(reverse("usecase_list", args=[org.slug]))["Location"] == reverse("mfa_index")


def test_one_strict_organization_holds_the_member_back_everywhere(client, org, strict_org):
    relaxed, _ = make_org("Relaxed Co")
    executive = add_member(org, Role.EXECUTIVE)
    add_member(relaxed, Role.VIEWER, user=executive)
    client.force_login(executive)
    response = client.get(reverse("usecase_list", args=[relaxed.slug]))
    assert response["Location"] == reverse("mfa_index")


def test_sign_out_and_the_account_pages_stay_open(client, org, admin, strict_org):
    client.force_login(admin)
    for name in ("mfa_index", "account_email", "account_change_password", "account_logout"):
        assert client.get(reverse(name)).status_code == 200, name
    response = client.post(reverse("account_logout"))
    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session


def test_the_api_with_a_session_answers_403_in_json(client, org, admin, strict_org):
    client.force_login(admin)
    response = client.get("/api/v1/use-cases/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "mfa_required"
    assert "requires two-factor authentication" in body["detail"]
    response = client.post("/api/v1/use-cases/", {}, content_type="application/json")
    assert response.status_code == 403


def test_htmx_requests_are_redirected_by_htmx(client, org, admin, strict_org):
    client.force_login(admin)
    response = client.get(reverse("usecase_list", args=[org.slug]), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("mfa_index")


def test_api_tokens_are_not_held_back(client, org, admin, strict_org, use_case):
    from metrics.services import api_token_create

    _, token = api_token_create(actor=admin, organization=org, name="ingestion")
    sample = {
        "use_case": use_case.pk,
        "metric": "latency_ms",
        "timestamp": timezone.now().isoformat(),
        "value": 840,
        "client_id": "req-1",
    }
    response = client.post(
        "/api/v1/metrics/samples/",
        [sample],
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.content


def test_setting_up_an_authenticator_app_lets_the_member_in(client, org, admin, strict_org):
    """As a person does it: sign in, get sent to the setup page, scan (here: read) the secret,
    type the current code, and carry on."""
    response = client.post(reverse("account_login"), {"login": admin.email, "password": PASSWORD})
    response = client.get(reverse("usecase_list", args=[org.slug]))
    assert response["Location"] == reverse("mfa_index")
    # allauth asks for the password again before a second factor is added.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time

    counter = next(iter(yield_hotp_counters_from_time()))
    code = format_hotp_value(hotp_value(secret, counter))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("usecase_list", args=[org.slug])).status_code == 200


def test_the_schema_documents_the_403_on_every_session_operation():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    session_operations = [
        operation
        for operations in schema["paths"].values()
        for operation in operations.values()
        if {"cookieAuth": []} in operation.get("security", [])
    ]
    assert len(session_operations) > 50
    for operation in session_operations:
        assert "mfa_required" in operation["responses"]["403"]["description"]
