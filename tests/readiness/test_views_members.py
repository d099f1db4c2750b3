"""The members page: tenancy, roles, the last org admin, and its query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness import services
from readiness.models import Invitation, Membership, Role
from tests.factories import UserFactory, add_member, make_org
from tests.readiness.pages_support import members_url

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
