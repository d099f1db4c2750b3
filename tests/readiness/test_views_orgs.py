"""Organization and account pages: onboarding, invitations, members, templates, sign-in."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from readiness import services
from readiness.models import Invitation, Membership, Organization, Role, User
from tests.factories import UserFactory, add_member, make_org, make_use_case

PASSWORD = "pw-for-tests-123"
NEW_PASSWORD = "a-Fresh-passphrase-42"


def _link_in(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return match.group(1)


def members_url(org):
    return reverse("members", kwargs={"org": org.slug})


# Home and onboarding


def test_home_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")


def test_signup_leads_to_org_creation_and_then_to_the_new_org(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "founder@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
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
    assert response["Location"] == reverse("usecase_list", kwargs={"org": org.slug})
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


def test_org_create_requires_sign_in(client, db):
    response = client.get(reverse("org_create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_home_goes_to_the_last_org_the_user_still_belongs_to(client, org, admin):
    second, _ = make_org("Zeta Labs", admin=UserFactory())
    add_member(second, Role.VIEWER, user=admin)
    client.force_login(admin)
    response = client.get("/")
    assert response["Location"] == reverse("usecase_list", kwargs={"org": org.slug})
    session = client.session
    session["last_org"] = second.slug
    session.save()
    assert client.get("/")["Location"] == reverse("usecase_list", kwargs={"org": second.slug})
    Membership.objects.filter(organization=second, user=admin).delete()
    assert client.get("/")["Location"] == reverse("usecase_list", kwargs={"org": org.slug})


def test_home_lists_pending_invitations_for_a_user_without_orgs(client, org, admin):
    invitation = services.invitation_create(
        actor=admin, organization=org, email="joiner@example.com", role=Role.VIEWER
    )
    joiner = UserFactory(email="joiner@example.com")
    client.force_login(joiner)
    response = client.get("/")
    assert response.status_code == 200
    assert org.name in response.text
    assert reverse("invitation_accept", kwargs={"token": invitation.token}) in response.text
    assert reverse("org_create") in response.text


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
    link = _link_in(mail.outbox[0].body)
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
    response = client.post(
        f"{reverse('account_signup')}?next={link}",
        {
            "email": "newcomer@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "next": link,
        },
    )
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


# Members page: tenancy and roles


def test_user_in_two_orgs_sees_both_in_the_switcher_and_opens_both(client, org, admin):
    second, _ = make_org("Zeta Labs")
    add_member(second, Role.VIEWER, user=admin)
    client.force_login(admin)
    for current in (org, second):
        response = client.get(members_url(current))
        assert response.status_code == 200
        for listed in (org, second):
            assert reverse("usecase_list", kwargs={"org": listed.slug}) in response.text
            assert listed.name in response.text


def test_members_of_another_org_are_a_404(client, org, admin, other_org):
    other, other_admin, _ = other_org
    client.force_login(admin)
    assert client.get(members_url(other)).status_code == 404
    other_membership = Membership.objects.get(organization=other, user=other_admin)
    for name in ("member_role", "member_remove"):
        url = reverse(name, kwargs={"org": other.slug, "pk": other_membership.pk})
        assert client.post(url, {"role": Role.VIEWER}).status_code == 404
    # Nor through this org's URL with the other org's id.
    url = reverse("member_remove", kwargs={"org": org.slug, "pk": other_membership.pk})
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=other_membership.pk).exists()


def test_members_page_lists_everyone_for_every_role(client, org, admin, role_member):
    role, user = role_member
    client.force_login(user)
    response = client.get(members_url(org))
    assert response.status_code == 200
    assert admin.email in response.text and user.email in response.text
    admin_controls = ("Send invitation", 'name="role"', "Pending invitations")
    for control in admin_controls:
        assert (control in response.text) == (role == Role.ORG_ADMIN)
    assert "Leave " + org.name in response.text


@pytest.mark.parametrize(
    "role", [Role.PROGRAM_MANAGER, Role.VIEWER, Role.EXECUTIVE, Role.GOVERNANCE_REVIEWER]
)
def test_non_admins_get_403_on_admin_actions(client, org, admin, role):
    user = add_member(org, role)
    other = add_member(org, Role.VIEWER)
    other_membership = Membership.objects.get(organization=org, user=other)
    invitation = services.invitation_create(
        actor=admin, organization=org, email="pending@example.com", role=Role.VIEWER
    )
    client.force_login(user)
    posts = [
        (members_url(org), {"email": "x@example.com", "role": Role.VIEWER}),
        (
            reverse("member_role", kwargs={"org": org.slug, "pk": other_membership.pk}),
            {"role": Role.ORG_ADMIN},
        ),
        (reverse("member_remove", kwargs={"org": org.slug, "pk": other_membership.pk}), {}),
        (reverse("invitation_revoke", kwargs={"org": org.slug, "pk": invitation.pk}), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    other_membership.refresh_from_db()
    assert other_membership.role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert Invitation.objects.count() == 1


def test_admin_changes_a_role(client, org, admin, viewer):
    membership = Membership.objects.get(organization=org, user=viewer)
    client.force_login(admin)
    url = reverse("member_role", kwargs={"org": org.slug, "pk": membership.pk})
    response = client.post(url, {"role": Role.PROGRAM_MANAGER}, follow=True)
    membership.refresh_from_db()
    assert membership.role == Role.PROGRAM_MANAGER
    assert "is now program manager" in response.text


def test_member_actions_are_post_only(client, org, admin, viewer):
    membership = Membership.objects.get(organization=org, user=viewer)
    client.force_login(admin)
    url = reverse("member_remove", kwargs={"org": org.slug, "pk": membership.pk})
    assert client.get(url).status_code == 405
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_last_admin_protection_is_shown_as_an_error(client, org, admin):
    membership = Membership.objects.get(organization=org, user=admin)
    client.force_login(admin)
    url = reverse("member_role", kwargs={"org": org.slug, "pk": membership.pk})
    response = client.post(url, {"role": Role.VIEWER}, follow=True)
    assert 'class="flash flash-error"' in response.text
    assert "at least one org admin" in response.text
    membership.refresh_from_db()
    assert membership.role == Role.ORG_ADMIN
    url = reverse("member_remove", kwargs={"org": org.slug, "pk": membership.pk})
    response = client.post(url, follow=True)
    assert "at least one org admin" in response.text
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_admin_removes_a_member_and_a_member_leaves(client, org, admin, pm, viewer):
    client.force_login(admin)
    pm_membership = Membership.objects.get(organization=org, user=pm)
    response = client.post(
        reverse("member_remove", kwargs={"org": org.slug, "pk": pm_membership.pk})
    )
    assert response["Location"] == members_url(org)
    assert not Membership.objects.filter(pk=pm_membership.pk).exists()

    client.force_login(viewer)
    own = Membership.objects.get(organization=org, user=viewer)
    response = client.post(reverse("member_remove", kwargs={"org": org.slug, "pk": own.pk}))
    assert response["Location"] == reverse("home")
    assert not Membership.objects.filter(pk=own.pk).exists()
    assert client.get(members_url(org)).status_code == 404


# Workstream templates


def test_template_pages_are_for_org_admins_only(client, org, admin, role_member):
    role, user = role_member
    template = org.workstream_templates.get(number=2)
    client.force_login(user)
    list_url = reverse("template_list", kwargs={"org": org.slug})
    edit_url = reverse("template_edit", kwargs={"org": org.slug, "pk": template.pk})
    expected = 200 if role == Role.ORG_ADMIN else 403
    assert client.get(list_url).status_code == expected
    assert client.get(edit_url).status_code == expected
    response = client.post(edit_url, {"name": "Hijacked", "purpose": "", "items": "x"})
    assert response.status_code == (302 if role == Role.ORG_ADMIN else 403)
    template.refresh_from_db()
    assert (template.name == "Hijacked") == (role == Role.ORG_ADMIN)


def test_template_list_shows_the_seven_workstreams(client, org, admin):
    client.force_login(admin)
    response = client.get(reverse("template_list", kwargs={"org": org.slug}))
    for template in org.workstream_templates.all():
        assert template.name in response.text
        assert (
            reverse("template_edit", kwargs={"org": org.slug, "pk": template.pk}) in response.text
        )
    assert "changes only use cases created afterwards" in response.text


def test_template_of_another_org_is_a_404(client, org, admin, other_org):
    other, _, _ = other_org
    client.force_login(admin)
    foreign = other.workstream_templates.get(number=1)
    assert (
        client.get(reverse("template_edit", kwargs={"org": org.slug, "pk": foreign.pk})).status_code
        == 404
    )
    assert (
        client.get(
            reverse("template_edit", kwargs={"org": other.slug, "pk": foreign.pk})
        ).status_code
        == 404
    )


def test_template_edit_changes_only_use_cases_created_afterwards(client, org, admin, pm):
    earlier = make_use_case(org, pm)
    template = org.workstream_templates.get(number=4)
    earlier_items = list(template.items)
    client.force_login(admin)
    url = reverse("template_edit", kwargs={"org": org.slug, "pk": template.pk})
    page = client.get(url)
    assert earlier_items[0] in page.text
    response = client.post(
        url,
        {
            "name": "Human workflow",
            "purpose": "Where people meet the AI.",
            "items": "Place the suggestion in the ticket view\r\n\r\n  Let agents edit before sending  \n",
        },
    )
    assert response.status_code == 302
    later = make_use_case(org, pm)
    later_ws = later.workstreams.get(number=4)
    assert later_ws.name == "Human workflow"
    assert [i.text for i in later_ws.items.order_by("position")] == [
        "Place the suggestion in the ticket view",
        "Let agents edit before sending",
    ]
    earlier_ws = earlier.workstreams.get(number=4)
    assert [i.text for i in earlier_ws.items.order_by("position")] == earlier_items


@pytest.mark.parametrize(
    ("items", "message"),
    [("  \n \n", "This field is required"), ("x" * 301, "Keep each item under 300 characters")],
)
def test_template_edit_bad_items_show_the_error_and_save_nothing(
    client, org, admin, items, message
):
    template = org.workstream_templates.get(number=1)
    original = (template.name, list(template.items))
    client.force_login(admin)
    url = reverse("template_edit", kwargs={"org": org.slug, "pk": template.pk})
    response = client.post(url, {"name": "Renamed", "purpose": "", "items": items})
    assert response.status_code == 400
    assert message in response.text
    assert 'id="id_items_error"' in response.text
    template.refresh_from_db()
    assert (template.name, template.items) == original


# Accounts (allauth pages in our layout)


def test_sign_in_page_uses_our_layout_with_labelled_fields(client, db):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    text = response.text
    assert 'class="auth-box card"' in text
    assert 'class="topbar"' in text
    assert '<label for="id_login">' in text and '<label for="id_password">' in text
    assert reverse("account_reset_password") in text


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
    link = _link_in(mail.outbox[0].body)
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


def test_members_page_query_count_does_not_grow_with_members(
    client, org, admin, django_assert_num_queries
):
    client.force_login(admin)
    url = members_url(org)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        add_member(org, Role.VIEWER)
        services.invitation_create(
            actor=admin, organization=org, email=UserFactory.build().email, role=Role.VIEWER
        )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.text.count('id="role-') == 6  # one role select per member
    assert response.text.count(">Revoke<") == 5
