"""Home, onboarding (sign up, create an organization) and the account pages in our layout."""

import pytest
from django.core import mail
from django.urls import reverse

from readiness import services
from readiness.models import Membership, Organization, Role, User
from tests.factories import UserFactory, add_member, make_org
from tests.readiness.pages_support import (
    NEW_PASSWORD,
    PASSWORD,
    link_in,
    members_url,
    sign_up_and_verify,
)

# Home and onboarding


def test_home_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")


def test_signup_leads_to_org_creation_and_then_to_the_new_org(client, db):
    response = sign_up_and_verify(client, "founder@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    response = client.get(response["Location"])
    assert response["Location"] == reverse("org_create")
    page = client.get(reverse("org_create"))
    assert page.status_code == 200
    assert "Create your organization" in page.text
    response = client.post(reverse("org_create"), {"name": "Founder Co", "slug": ""})
    org = Organization.objects.get(name="Founder Co")
    assert response.status_code == 302
    assert response["Location"] == reverse("org_home", kwargs={"org": org.slug})
    user = User.objects.get(email="founder@example.com")
    assert Membership.objects.get(user=user, organization=org).role == Role.ORG_ADMIN
    assert client.session["last_org"] == org.slug


def test_org_create_shows_field_errors_and_saves_nothing(client, org, admin):
    other = UserFactory()
    client.force_login(other)
    response = client.post(reverse("org_create"), {"name": "Elsewhere", "slug": org.slug})
    assert response.status_code == 400
    assert "is taken" in response.text
    assert not Organization.objects.filter(name="Elsewhere").exists()
    response = client.post(reverse("org_create"), {"name": "", "slug": ""})
    assert response.status_code == 400
    assert "This field is required" in response.text
    assert not Membership.objects.filter(user=other).exists()


def test_org_create_help_text_is_plain_text_not_escaped_markup(client, db):
    client.force_login(UserFactory())
    text = client.get(reverse("org_create")).text
    assert "Used in links, as in /o/your-address/." in text
    assert "&lt;" not in text


def test_org_create_requires_sign_in(client, db):
    response = client.get(reverse("org_create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_home_goes_to_the_last_org_the_user_still_belongs_to(client, org, admin):
    second, _ = make_org("Zeta Labs", admin=UserFactory())
    add_member(second, Role.VIEWER, user=admin)
    client.force_login(admin)
    response = client.get("/")
    assert response["Location"] == reverse("org_home", kwargs={"org": org.slug})
    session = client.session
    session["last_org"] = second.slug
    session.save()
    assert client.get("/")["Location"] == reverse("org_home", kwargs={"org": second.slug})
    Membership.objects.filter(organization=second, user=admin).delete()
    assert client.get("/")["Location"] == reverse("org_home", kwargs={"org": org.slug})


def test_home_lists_pending_invitations_for_a_user_without_orgs(client, org, admin):
    invitation = services.invitation_create(
        actor=admin, organization=org, email="joiner@example.com", role=Role.VIEWER
    )
    joiner = UserFactory(email="joiner@example.com")
    client.force_login(joiner)
    response = client.get("/")
    assert response.status_code == 200
    assert org.name in response.text
    assert reverse("invitation_join", kwargs={"pk": invitation.pk}) in response.text
    # The token is the emailed link's secret: the page does not repeat it.
    assert invitation.token not in response.text
    assert reverse("org_create") in response.text


# Accounts (allauth pages in our layout)


def test_sign_in_page_uses_our_layout_with_labelled_fields(client, db):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    text = response.text
    assert 'class="auth-split"' in text and 'class="card auth-panel"' in text
    assert "Readiness is where a program takes its AI use cases" in text
    assert 'class="topbar"' in text
    assert '<label for="id_login">' in text and '<label for="id_password">' in text
    assert reverse("account_reset_password") in text
    assert "Sign in with" not in text  # no single sign-on unless OIDC_* configure it


def test_sign_in_page_offers_single_sign_on_when_configured(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "acme",
                    "name": "Acme SSO",
                    "client_id": "readiness",
                    "secret": "s",
                    "settings": {"server_url": "https://idp.example"},
                }
            ]
        }
    }
    text = client.get(reverse("account_login")).text
    assert '<form method="post" action="/accounts/oidc/acme/login/?process=login">' in text
    assert "Sign in with Acme SSO" in text


def test_sign_in_honours_next(client, org, admin):
    url = members_url(org)
    response = client.post(
        reverse("account_login"), {"login": admin.email, "password": PASSWORD, "next": url}
    )
    assert response.status_code == 302
    assert response["Location"] == url


def test_password_reset_by_email(client, org, admin):
    response = client.post(reverse("account_reset_password"), {"email": admin.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [admin.email]
    link = link_in(mail.outbox[0].body)
    assert link.startswith("/accounts/password/reset/key/")
    response = client.get(link)
    assert response.status_code == 302  # allauth moves the key into the session
    form_url = response["Location"]
    page = client.get(form_url)
    assert page.status_code == 200
    assert 'class="auth-box card"' in page.text
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    client.logout()
    assert client.login(email=admin.email, password=NEW_PASSWORD)
    admin.refresh_from_db()
    assert not admin.check_password(PASSWORD)


def test_password_reset_for_an_unknown_address_sends_no_link(client, db):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)


@pytest.mark.parametrize("name", ["account_email", "account_change_password", "account_logout"])
def test_account_pages_render_in_our_layout(client, admin, name):
    client.force_login(admin)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'class="auth-box card"' in response.text
    assert 'class="topbar"' in response.text
    assert "<h1>" in response.text
