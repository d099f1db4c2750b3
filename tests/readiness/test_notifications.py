import datetime as dt

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from readiness.models import AuditEvent, Notification
from readiness.notifications import KINDS, notify


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


def test_an_unread_notification_is_not_sent_again(
    org, pm, use_case, django_capture_on_commit_callbacks
):
    def send():
        return notify(
            organization=org,
            recipients=[pm],
            kind="governance.item_approved",
            title="Triage: “DPIA” was approved",
            url="/x/",
            use_case_id=use_case.pk,
        )

    with django_capture_on_commit_callbacks(execute=True):
        assert len(send()) == 1
        assert send() == []  # the same, still unread: nothing new to tell
    assert len(mail.outbox) == 1
    Notification.objects.update(read_at=timezone.now())
    assert len(send()) == 1  # read since: it happened again, so it is news again
    Notification.objects.update(read_at=None, created_at=timezone.now() - dt.timedelta(days=1))
    assert len(send()) == 1  # unread since yesterday: a new day's news (a daily reminder)


def test_the_page_groups_by_day_and_use_case_and_filters(client, org, pm, use_case, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC))
    notify(
        organization=org,
        recipients=[pm],
        kind="gate.passed",
        title="Older news",
        use_case_id=use_case.pk,
        email=False,
    )
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC))
    for n in range(3):
        notify(
            organization=org,
            recipients=[pm],
            kind="governance.item_approved",
            title=f"Approved {n}",
            use_case_id=use_case.pk,
            email=False,
        )
    notify(organization=org, recipients=[pm], kind="due.reminder", title="Org-wide", email=False)
    client.force_login(pm)
    page = client.get(reverse("notification_list", kwargs={"org": org.slug})).content.decode()
    assert page.index("Tuesday 10 March 2026") < page.index("Monday 9 March 2026")
    assert "3 notifications, 3 unread" in page
    assert page.count(f">{use_case.name}</a>") == 2  # one group per day
    only = client.get(
        reverse("notification_list", kwargs={"org": org.slug}), {"kind": "gate.passed"}
    ).content.decode()
    assert "Older news" in only and "Approved 0" not in only
    client.post(
        reverse("notification_mark_read", kwargs={"org": org.slug}),
        {"use_case": use_case.pk, "next": "/evil.example/x"},
    )
    assert list(
        Notification.objects.filter(read_at__isnull=True).values_list("title", flat=True)
    ) == ["Org-wide"]
    unread = client.get(
        reverse("notification_list", kwargs={"org": org.slug}), {"state": "unread"}
    ).content.decode()
    assert "Org-wide" in unread and "Approved 0" not in unread


def test_email_preferences_per_kind(client, org, pm, django_capture_on_commit_callbacks):
    client.force_login(pm)
    settings_url = reverse("notification_settings", kwargs={"org": org.slug})
    assert client.get(settings_url).status_code == 200
    keep = [k for k in KINDS if k != "governance.item_approved"]
    response = client.post(settings_url, {"email": keep})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="notification.preferences").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        notify(organization=org, recipients=[pm], kind="governance.item_approved", title="A")
        notify(organization=org, recipients=[pm], kind="governance.item_rejected", title="B")
    assert [m.subject for m in mail.outbox] and len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=pm).count() == 2  # both shown in the app
    bad = client.post(settings_url, {"email": ["no.such.kind"]})
    assert bad.status_code == 400 and b"Unknown kinds" in bad.content
