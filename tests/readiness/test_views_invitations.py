"""Invitations end to end: from the email to the membership, and every way one is refused."""

import datetime as dt

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from readiness import services
from readiness.models import Invitation, Membership, Role, User
from tests.factories import UserFactory
from tests.readiness.pages_support import link_in, members_url, sign_up_and_verify

# Invitations end to end


def test_invitation_flow_from_email_to_membership(
    client, org, admin, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            members_url(org), {"email": "Newcomer@Example.com", "role": Role.GOVERNANCE_REVIEWER}
        )
    assert response.status_code == 302
    assert response["Location"] == members_url(org)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newcomer@example.com"]
    link = link_in(mail.outbox[0].body)
    invitation = Invitation.objects.get(email="newcomer@example.com")
    assert link == reverse("invitation_accept", kwargs={"token": invitation.token})
    page = client.get(members_url(org))
    assert "newcomer@example.com" in page.text
    client.logout()

    # The invitee has no account: the page offers sign-up that returns here.
    page = client.get(link)
    assert page.status_code == 200
    assert org.name in page.text and "Governance reviewer" in page.text
    assert admin.display_name in page.text
    assert f"{reverse('account_signup')}?next={link}" in page.text
    assert f"{reverse('account_login')}?next={link}" in page.text
    # Sign-up asks for the code sent to the address, then comes back here.
    response = sign_up_and_verify(client, "newcomer@example.com", next_url=link)
    assert response.status_code == 302
    assert response["Location"] == link
    page = client.get(link)
    assert "Accept and join" in page.text
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("usecase_list", kwargs={"org": org.slug})
    newcomer = User.objects.get(email="newcomer@example.com")
    assert Membership.objects.get(organization=org, user=newcomer).role == Role.GOVERNANCE_REVIEWER


def test_accepting_with_another_account_shows_why(client, org, admin):
    invitation = services.invitation_create(
        actor=admin, organization=org, email="right@example.com", role=Role.VIEWER
    )
    wrong = UserFactory(email="wrong@example.com")
    client.force_login(wrong)
    url = invitation.get_absolute_url()
    assert "signed in as wrong@example.com" in client.get(url).text
    response = client.post(url)
    assert response.status_code == 400
    assert "This invitation is for right@example.com" in response.text
    assert not Membership.objects.filter(user=wrong).exists()


def test_expired_invitation_is_refused_on_the_page(client, org, admin):
    invitation = services.invitation_create(
        actor=admin, organization=org, email="late@example.com", role=Role.VIEWER
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    late = UserFactory(email="late@example.com")
    client.force_login(late)
    assert "has expired" in client.get(invitation.get_absolute_url()).text
    response = client.post(invitation.get_absolute_url())
    assert response.status_code == 400
    assert "has expired" in response.text
    assert not Membership.objects.filter(user=late).exists()


def test_unknown_invitation_token_is_a_404_that_says_so(client, db):
    response = client.get(reverse("invitation_accept", kwargs={"token": "not-a-real-token"}))
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.text


def test_anonymous_post_to_an_invitation_goes_to_sign_in(client, org, admin):
    invitation = services.invitation_create(
        actor=admin, organization=org, email="anon@example.com", role=Role.VIEWER
    )
    response = client.post(invitation.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_admin_revokes_an_invitation(client, org, admin):
    invitation = services.invitation_create(
        actor=admin, organization=org, email="gone@example.com", role=Role.VIEWER
    )
    client.force_login(admin)
    response = client.post(
        reverse("invitation_revoke", kwargs={"org": org.slug, "pk": invitation.pk})
    )
    assert response["Location"] == members_url(org)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "The invitation to gone@example.com was revoked" in client.get(members_url(org)).text
    assert "gone@example.com" not in client.get(members_url(org)).text


def test_invite_form_shows_service_errors(client, org, admin, pm):
    client.force_login(admin)
    response = client.post(members_url(org), {"email": pm.email, "role": Role.VIEWER})
    assert response.status_code == 400
    assert "already a member" in response.text
    response = client.post(members_url(org), {"email": "not-an-email", "role": Role.VIEWER})
    assert response.status_code == 400
    assert "Enter a valid email address" in response.text
    assert not Invitation.objects.exists()
