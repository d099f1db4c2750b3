"""The weekly executive digest: its content, its email and its once-a-week sending."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from portfolio import digest, rows, tasks
from portfolio.answers import QUESTIONS, Answer, by_question
from portfolio.services.digest import digest_send
from portfolio.services.scale import scale_decide
from readiness import gate, services
from readiness.models import AuditEvent, Role, UseCaseStatus
from tests.factories import add_member


@pytest.fixture
def executive(org):
    return add_member(org, Role.EXECUTIVE)


@pytest.fixture
def all_clear(monkeypatch):
    """No gate check blocks and every question has an unflagged answer."""
    monkeypatch.setattr(gate, "_checks", {})
    answered = by_question([Answer(q, "Answered.", "test") for q in QUESTIONS])
    monkeypatch.setattr(
        rows, "answers_many", lambda use_cases, **_: {uc.pk: answered for uc in use_cases}
    )


def test_blocked_use_cases_with_count_and_top_blockers(org, use_case) -> None:
    built = digest.build_digest(org)
    [blocked] = built.blocked
    assert blocked.use_case == "Triage assistance"
    assert blocked.count >= 1 and 1 <= len(blocked.top) <= digest.TOP_BLOCKERS
    assert blocked.url.endswith(f"/o/{org.slug}/use-cases/{use_case.pk}/")
    assert built.top_blockers and built.blocker_total >= blocked.count
    assert built.moved == [] and built.awaiting == []


def test_what_moved_is_the_gates_passed_in_the_last_seven_days(
    org, pm, use_case, all_clear
) -> None:
    services.phase_transition(actor=pm, use_case=use_case)
    [moved] = digest.build_digest(org).moved
    assert (moved.use_case, moved.text, moved.actor) == (
        "Triage assistance",
        "passed the gate to phase 2",
        pm.email,
    )
    later = timezone.now() + dt.timedelta(days=8)
    assert digest.build_digest(org, now=later).moved == []


def test_production_use_cases_ready_to_scale_await_a_decision(org, pm, use_case, all_clear) -> None:
    use_case.status = UseCaseStatus.PRODUCTION
    use_case.save(update_fields=["status"])
    [awaiting] = digest.build_digest(org).awaiting
    assert awaiting.use_case == "Triage assistance"
    assert awaiting.url.endswith(f"/use-cases/{use_case.pk}/scale/")
    assert awaiting.note == "No scale decision yet."


def test_scale_decisions_count_as_moves_and_end_the_wait(
    org, pm, use_case, executive, all_clear
) -> None:
    use_case.status = UseCaseStatus.PRODUCTION
    use_case.save(update_fields=["status"])
    scale_decide(
        actor=executive,
        use_case=use_case,
        outcome="declined",
        rationale="Not this quarter: budget is committed.",
    )
    built = digest.build_digest(org)
    assert built.awaiting == []
    assert [m.text for m in built.moved] == [
        "scale declined: Not this quarter: budget is committed."
    ]


def test_other_organizations_stay_out(org, use_case, other_org) -> None:
    names = {b.use_case for b in digest.build_digest(org).blocked}
    assert names == {"Triage assistance"}


@pytest.fixture(
    params=[
        (dt.datetime(2026, 11, 30, 7, tzinfo=dt.UTC), "2026-W49"),  # beat's slot: Monday 07:00
        # Late on the last Sunday of ISO year 2026 (week 53), an hour and a half before 2027-W01.
        (dt.datetime(2027, 1, 3, 22, 30, tzinfo=dt.UTC), "2026-W53"),
    ],
    ids=["monday-morning", "year-end-sunday-night"],
)
def frozen_week(request, time_machine):
    """The clock stopped at a named moment, before any other fixture writes; (now, ISO week)."""
    moment, week = request.param
    time_machine.move_to(moment, tick=False)
    return moment, week


def test_digest_is_emailed_to_executives_once_per_iso_week(
    frozen_week, org, use_case, executive, admin
) -> None:
    now, week = frozen_week
    other_exec = add_member(org, Role.EXECUTIVE)
    assert digest_send(organization=org, now=now) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([executive.email, other_exec.email])
    message = mail.outbox[0]
    assert message.subject.startswith(f"[{org.name}] Weekly AI portfolio:")
    assert "WHAT IS BLOCKED (1 use case" in message.body
    assert "Triage assistance" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "<h2" in html and "Triage assistance" in html

    assert digest_send(organization=org, now=now + dt.timedelta(hours=1)) == 0
    assert len(mail.outbox) == 2
    record = AuditEvent.objects.get(action="digest.sent")
    assert record.after["week"] == digest.iso_week(now) == week
    assert sorted(record.after["recipients"]) == sorted([executive.email, other_exec.email])

    # The first second of the next ISO week sends again.
    monday = now.date() + dt.timedelta(days=7 - now.weekday())
    next_week = dt.datetime.combine(monday, dt.time(0, 0, 1), dt.UTC)
    assert digest_send(organization=org, now=next_week) == 2
    assert len(mail.outbox) == 4


def test_no_executives_no_email_and_nothing_recorded(org, use_case) -> None:
    assert digest_send(organization=org) == 0
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="digest.sent").exists()


def test_a_failing_mail_server_records_nothing_so_a_retry_sends(
    org, use_case, executive, monkeypatch
) -> None:
    def broken(*args, **kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
    with pytest.raises(ConnectionError):
        digest_send(organization=org)
    assert not AuditEvent.objects.filter(action="digest.sent").exists()
    monkeypatch.undo()
    assert digest_send(organization=org) == 1


def test_task_sends_every_organization_once(
    org, use_case, executive, other_org, django_capture_on_commit_callbacks
) -> None:
    other, _, _ = other_org
    add_member(other, Role.EXECUTIVE)
    # Queued one per organization through the outbox (sent after commit; run in-process here).
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_weekly_digest() == 2
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_weekly_digest()
    assert len(mail.outbox) == 2
    assert tasks.send_weekly_digest(organization_id=999999) == 0


def test_quiet_week_still_reads_well(org, executive) -> None:
    digest_send(organization=org)
    body = mail.outbox[0].body
    assert "Nothing awaits a scale decision." in body
    assert "No gate was passed and no scale decision was made this week." in body
    assert "Nothing is blocked." in body
