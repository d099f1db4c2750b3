"""Organization API tokens: created once and shown once, hashed, limited, revocable; the command
line; the Bearer authentication that only the ingestion endpoint accepts; the tokens page."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from metrics.models import ApiToken, Sample
from metrics.services import api_token_create, api_token_revoke
from readiness.models import AuditEvent, Role
from tests.conftest import ADMIN_ONLY, roles_except
from tests.factories import add_member, make_use_case
from tests.metrics.ingest_support import URL, make_token, measured, post

pytestmark = pytest.mark.django_db


# --- Service ----------------------------------------------------------------------------------


def test_a_token_is_returned_once_and_only_its_hash_is_stored(org, admin):
    token, raw = api_token_create(actor=admin, organization=org, name="triage-service")
    assert raw.startswith(f"rdy_{token.prefix}_") and len(raw) > 40
    assert token.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values()[0]
    assert raw not in str(stored)
    event = AuditEvent.objects.get(action="metrics.api_token.create")
    assert raw not in str(event.after)
    assert event.after["prefix"] == f"rdy_{token.prefix}"


@pytest.mark.parametrize("user_in_role", ADMIN_ONLY, indirect=True)
def test_org_admins_create_and_revoke_tokens(org, user_in_role):
    token, _ = api_token_create(actor=user_in_role, organization=org, name="svc")
    assert ApiToken.objects.get(pk=token.pk).is_active
    api_token_revoke(actor=user_in_role, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


@pytest.mark.parametrize("user_in_role", roles_except(*ADMIN_ONLY), indirect=True)
def test_other_roles_neither_create_nor_revoke_tokens(org, admin, user_in_role):
    with pytest.raises(PermissionDenied):
        api_token_create(actor=user_in_role, organization=org, name="svc")
    token, _ = api_token_create(actor=admin, organization=org, name="svc2")
    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=user_in_role, token=token)
    assert ApiToken.objects.get().revoked_at is None


def test_token_names_and_use_cases_are_checked(org, admin, other_org):
    with pytest.raises(ValidationError) as exc:
        api_token_create(actor=admin, organization=org, name="  ")
    assert "name" in exc.value.message_dict
    api_token_create(actor=admin, organization=org, name="svc")
    with pytest.raises(ValidationError):
        api_token_create(actor=admin, organization=org, name="SVC")
    with pytest.raises(ValidationError) as exc:
        api_token_create(
            actor=admin, organization=org, name="other", use_case_ids=[other_org[2].pk]
        )
    assert "use_cases" in exc.value.message_dict
    assert ApiToken.objects.count() == 1


def test_a_revoked_name_can_be_used_again(org, admin):
    token, _ = api_token_create(actor=admin, organization=org, name="svc")
    api_token_revoke(actor=admin, token=token)
    api_token_revoke(actor=admin, token=token)  # twice is a no-op
    assert AuditEvent.objects.filter(action="metrics.api_token.revoke").count() == 1
    api_token_create(actor=admin, organization=org, name="svc")


# --- Authentication ---------------------------------------------------------------------------


def test_unknown_missing_and_malformed_tokens_get_401(client, use_case):
    batch = [measured(use_case)]
    for header in (None, "rdy_nope_nope", "not-a-token"):
        response = post(client, header, batch)
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"].startswith("Bearer")
    response = client.post(
        URL, data=b"[]", content_type="application/json", HTTP_AUTHORIZATION="Bearer a b"
    )
    assert response.status_code == 401
    assert Sample.objects.count() == 0


def test_a_revoked_token_is_refused_at_once(client, org, admin, use_case):
    token, raw = make_token(org, admin)
    assert post(client, raw, [measured(use_case, client_id="a")]).status_code == 201
    api_token_revoke(actor=admin, token=token)
    response = post(client, raw, [measured(use_case, client_id="b")])
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert Sample.objects.count() == 1


def test_last_used_is_recorded(client, org, admin, use_case):
    token, raw = make_token(org, admin)
    assert token.last_used_at is None
    post(client, raw, [measured(use_case)])
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_is_refused_by_every_other_endpoint(client, org, admin, use_case):
    _, raw = make_token(org, admin)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for url in (
        "/api/v1/use-cases/",
        f"/api/v1/use-cases/{use_case.pk}/",
        "/api/v1/organizations/",
        "/api/v1/metrics/definitions/",
        "/api/v1/metrics/targets/",
    ):
        response = client.get(url, **auth)
        assert response.status_code in (401, 403), url
        assert "ingestion" in response.json()["detail"]
    response = client.post(
        f"/api/v1/use-cases/{use_case.pk}/transition/", {}, content_type="application/json", **auth
    )
    assert response.status_code in (401, 403)
    response = client.post(
        "/api/v1/metrics/rollups/recompute/",
        {"use_case": use_case.pk},
        content_type="application/json",
        **auth,
    )
    assert response.status_code in (401, 403)


def test_a_signed_in_person_cannot_use_the_ingestion_endpoint(client, admin, use_case):
    client.force_login(admin)
    response = post(client, None, [measured(use_case)])
    assert response.status_code == 401
    assert Sample.objects.count() == 0


def test_a_token_gets_no_page_either(client, org, admin):
    _, raw = make_token(org, admin)
    response = client.get(
        reverse("usecase_list", kwargs={"org": org.slug}), HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 302  # to sign-in: pages know only people


# --- Command line -------------------------------------------------------------------------------


def test_create_api_token_prints_the_token_on_its_last_line(client, org, use_case):
    out = io.StringIO()
    call_command("create_api_token", "--org", org.slug, "--name", "cli-svc", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw.startswith("rdy_")
    token = ApiToken.objects.get(name="cli-svc")
    assert token.created_by is None
    event = AuditEvent.objects.get(action="metrics.api_token.create")
    assert event.actor_label == "manage.py create_api_token"
    assert post(client, raw, [measured(use_case)]).status_code == 201


def test_create_api_token_limits_and_errors(org, pm, use_case):
    other = make_use_case(org, pm, name="Another")
    out = io.StringIO()
    call_command(
        "create_api_token",
        "--org",
        org.slug,
        "--name",
        "one",
        "--use-case",
        str(use_case.pk),
        stdout=out,
    )
    assert list(ApiToken.objects.get(name="one").use_cases.all()) == [use_case]
    assert other not in ApiToken.objects.get(name="one").use_cases.all()
    with pytest.raises(CommandError, match="No organization"):
        call_command("create_api_token", "--org", "nope", "--name", "x", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_api_token", "--org", org.slug, "--name", "one", stdout=io.StringIO())


# --- The tokens page ----------------------------------------------------------------------------


def tokens_url(org):
    return reverse("api_token_list", kwargs={"org": org.slug})


def test_admin_creates_a_token_and_sees_it_once(client, org, admin, use_case):
    client.force_login(admin)
    response = client.post(tokens_url(org), {"name": "triage", "use_cases": [use_case.pk]})
    assert response.status_code == 201
    token = ApiToken.objects.get(name="triage")
    raw = response.context["secret"]
    assert raw.startswith(f"rdy_{token.prefix}_")
    assert raw in response.text
    assert response["Cache-Control"] == "no-store"
    assert list(token.use_cases.all()) == [use_case]
    again = client.get(tokens_url(org))
    assert raw not in again.text
    assert f"rdy_{token.prefix}" in again.text


def test_token_form_errors_keep_nothing(client, org, admin, other_org):
    client.force_login(admin)
    response = client.post(tokens_url(org), {"name": "", "use_cases": [other_org[2].pk]})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.ORG_ADMIN])
def test_only_admins_reach_the_tokens_page(client, org, admin, role):
    token, _ = make_token(org, admin)
    user = add_member(org, role)
    client.force_login(user)
    assert client.get(tokens_url(org)).status_code == 403
    assert client.post(tokens_url(org), {"name": "x"}).status_code == 403
    revoke = reverse("api_token_revoke", kwargs={"org": org.slug, "pk": token.pk})
    assert client.post(revoke).status_code == 403
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_revoke_from_the_page(client, org, admin):
    token, _ = make_token(org, admin)
    client.force_login(admin)
    url = reverse("api_token_revoke", kwargs={"org": org.slug, "pk": token.pk})
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked" in client.get(tokens_url(org)).text


def test_another_orgs_tokens_are_404(client, org, admin, other_org):
    other, other_admin, _ = other_org
    foreign, _ = make_token(other, other_admin)
    client.force_login(admin)
    url = reverse("api_token_revoke", kwargs={"org": org.slug, "pk": foreign.pk})
    assert client.post(url).status_code == 404
    url = reverse("api_token_revoke", kwargs={"org": other.slug, "pk": foreign.pk})
    assert client.post(url).status_code == 404
    assert ApiToken.objects.get(pk=foreign.pk).revoked_at is None
    assert "rdy_" + foreign.prefix not in client.get(tokens_url(org)).text
