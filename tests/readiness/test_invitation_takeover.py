"""The two invitation takeovers of issue 9, tried as an attacker would: nobody joins an
organization through an address they have not proved is theirs."""

import re

from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from readiness import services
from readiness.models import AuditEvent, Membership, Role, User
from tests.factories import UserFactory
from tests.readiness.pages_support import NEW_PASSWORD


def _invite(org, admin, email="invitee@example.com", role=Role.ORG_ADMIN):
    return services.invitation_create(actor=admin, organization=org, email=email, role=role)


def _accept_from_home(client):
    """Whatever the home page offers to accept, accept it, as an attacker would."""
    home = client.get("/")
    for action in re.findall(r'<form method="post" action="(/invitations/[^"]+)"', home.text):
        client.post(action)


def test_signing_up_with_the_invitees_address_joins_nothing(client, org, admin):
    invitation = _invite(org, admin)
    response = client.post(
        reverse("account_signup"),
        {"email": invitation.email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    attacker = User.objects.get(email=invitation.email)
    client.force_login(attacker)  # even signed in, as when verification was optional
    _accept_from_home(client)
    assert invitation.organization.name not in client.get("/", follow=True).text
    assert not Membership.objects.filter(user=attacker).exists()


def test_an_unverified_address_made_primary_joins_nothing(client, org, admin):
    invitation = _invite(org, admin)
    attacker = UserFactory(email="attacker@example.com", verified=False)
    client.force_login(attacker)
    client.post(reverse("account_email"), {"action_add": "", "email": invitation.email})
    client.post(reverse("account_email"), {"action_primary": "", "email": invitation.email})
    _accept_from_home(client)
    assert not Membership.objects.filter(user=attacker).exists()


def test_an_unverified_address_never_becomes_primary(client, db):
    user = UserFactory(email="me@example.com", verified=False)
    client.force_login(user)
    # Adding an address asks for the code sent to it before the address is stored...
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "boss@example.com"}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not EmailAddress.objects.filter(email="boss@example.com").exists()
    # ...but unverified addresses exist (from before, or from a provider that did not verify).
    EmailAddress.objects.create(user=user, email="boss@example.com", verified=False)
    response = client.post(
        reverse("account_email"), {"action_primary": "", "email": "boss@example.com"}, follow=True
    )
    assert "Verify boss@example.com before making it your primary address" in response.text
    user.refresh_from_db()
    assert user.email == "me@example.com"
    assert not EmailAddress.objects.filter(user=user, email="boss@example.com", primary=True)


def test_a_verified_address_becomes_primary(client, db):
    user = UserFactory(email="me@example.com")
    EmailAddress.objects.create(user=user, email="new@example.com", verified=True)
    client.force_login(user)
    client.post(reverse("account_email"), {"action_primary": "", "email": "new@example.com"})
    user.refresh_from_db()
    assert user.email == "new@example.com"


def test_the_home_page_offers_no_invitation_to_an_unverified_address(client, org, admin):
    invitation = _invite(org, admin)
    holder = UserFactory(email=invitation.email, verified=False)
    EmailAddress.objects.create(user=holder, email=invitation.email, verified=False)
    client.force_login(holder)
    response = client.get("/")
    assert response["Location"] == reverse("org_create")
    response = client.post(reverse("invitation_join", kwargs={"pk": invitation.pk}), follow=True)
    assert "no invitation for a verified address of yours" in response.text
    assert not Membership.objects.filter(user=holder).exists()


def test_the_emailed_link_proves_the_mailbox(client, org, admin):
    """An account that has the invited address but never verified it joins through the link
    (only that mailbox got it), without the address becoming verified by it."""
    invitation = _invite(org, admin, role=Role.VIEWER)
    holder = UserFactory(email="holder@example.com")
    EmailAddress.objects.create(user=holder, email=invitation.email, verified=False)
    client.force_login(holder)
    response = client.post(invitation.get_absolute_url())
    assert response.status_code == 302
    assert Membership.objects.get(user=holder, organization=org).role == Role.VIEWER
    assert not EmailAddress.objects.get(email=invitation.email).verified


def test_a_verified_address_joins_from_the_home_page(client, org, admin):
    invitation = _invite(org, admin, role=Role.EXECUTIVE)
    joiner = UserFactory(email=invitation.email)
    client.force_login(joiner)
    response = client.post(reverse("invitation_join", kwargs={"pk": invitation.pk}))
    assert response["Location"] == reverse("usecase_list", kwargs={"org": org.slug})
    assert Membership.objects.get(user=joiner, organization=org).role == Role.EXECUTIVE
    event = AuditEvent.objects.filter(action="membership.create").latest("id")
    assert event.after["proof"] == "verified address"


def test_nobody_joins_by_guessing_an_invitation_number(client, org, admin):
    invitation = _invite(org, admin)
    stranger = UserFactory(email="stranger@example.com")
    client.force_login(stranger)
    client.post(reverse("invitation_join", kwargs={"pk": invitation.pk}))
    assert not Membership.objects.filter(user=stranger).exists()


# Sign-up and password reset say nothing about which addresses have an account


def _sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


def test_sign_up_answers_the_same_for_a_taken_address(client, db):
    UserFactory(email="taken@example.com")
    fresh = _sign_up(client, "fresh@example.com")
    client.logout()
    taken = _sign_up(Client(), "taken@example.com")
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    page_fresh = client.get(fresh["Location"])
    assert User.objects.filter(email="taken@example.com").count() == 1
    # The owner of the taken address is told, in their mailbox, not the visitor.
    to_owner = [m for m in mail.outbox if m.to == ["taken@example.com"]]
    assert len(to_owner) == 1 and "already" in to_owner[0].body.lower()
    assert "taken@example.com" not in page_fresh.text


def test_password_reset_answers_the_same_for_an_unknown_address(client, db):
    UserFactory(email="known@example.com")
    known = client.post(reverse("account_reset_password"), {"email": "known@example.com"})
    unknown = client.post(reverse("account_reset_password"), {"email": "unknown@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert _without_csrf(client.get(known["Location"]).text) == _without_csrf(
        client.get(unknown["Location"]).text
    )


def _without_csrf(page: str) -> str:
    return re.sub(r'(?i)(csrf\w*"?[:=]? ?(value=)?)"[^"]*"', r"\1", page)
