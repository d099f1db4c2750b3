from django.core import mail
from django.urls import reverse

from readiness.models import Notification
from readiness.notifications import notify


def test_notify_creates_in_app_and_emails_once_per_recipient(
    org, admin, pm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notes = notify(
            organization=org,
            recipients=[pm, admin, pm, None],
            kind="test",
            title="Item rejected",
            url="/x/",
        )
    assert len(notes) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([pm.email, admin.email])
    assert all(n.emailed_at for n in Notification.objects.all())


def test_member_sees_own_notifications_and_marks_them_read(client, org, pm, viewer):
    notify(
        organization=org, recipients=[pm], kind="test", title="Gate refused for Triage", email=False
    )
    client.force_login(pm)
    page = client.get(reverse("notification_list", kwargs={"org": org.slug}))
    assert b"Gate refused for Triage" in page.content
    assert page.context["unread_notifications"] == 1
    client.post(reverse("notification_mark_read", kwargs={"org": org.slug}))
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    client.force_login(viewer)
    assert (
        b"Gate refused"
        not in client.get(reverse("notification_list", kwargs={"org": org.slug})).content
    )


def test_other_org_notifications_are_404(client, org, other_org):
    _, outsider, _ = other_org
    client.force_login(outsider)
    assert client.get(reverse("notification_list", kwargs={"org": org.slug})).status_code == 404
