"""Stored readiness (portfolio.stored): after every kind of change to its inputs, the row the
portfolio reads equals a fresh evaluation; a change leaves a mark in its own transaction; a
reader never shows a stale row; the sweep and the day's turn recompute.

Each change goes through the service that makes it in production, and the after-commit
callbacks are run as a commit would run them (the recompute task, in-process)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from governance import services as gov
from governance.models import GovernanceItem, Incident
from metrics import rollups
from metrics.services import metric_target_set, samples_ingest
from portfolio import stored
from portfolio.models import ReadinessMark, UseCaseReadiness
from portfolio.rows import judge_many
from portfolio.selectors import portfolio_rows
from readiness import services
from readiness.models import ChecklistItem, Role, UseCase
from tests.factories import add_member, make_use_case
from tests.metrics.ingest_support import iso, metric
from tests.portfolio.executive_support import (  # noqa: F401  (whole_gate is a fixture)
    SPEC,
    approve_governance,
    live_integration,
    whole_gate,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("whole_gate")]


@dataclass
class World:
    org: Any
    pm: Any
    admin: Any
    reviewer: Any
    use_case: UseCase
    data: dict[str, Any]


def fresh(use_case: UseCase) -> stored.Judged:
    uc = UseCase.objects.select_related("organization", "owner").get(pk=use_case.pk)
    return judge_many([uc])[uc.pk]


def plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def assert_stored_is_fresh(use_case: UseCase) -> UseCaseReadiness:
    """The row readers trust (no mark, judged today) is exactly what judging now gives."""
    row = UseCaseReadiness.objects.get(pk=use_case.pk)
    now = fresh(use_case)
    assert not ReadinessMark.objects.filter(use_case_id=use_case.pk).exists()
    assert row.computed_for == timezone.localdate()
    assert row.state == plain(stored.judged_state(now))
    assert (row.verdict, row.score, row.blockers) == (
        now.verdict,
        now.score.total,
        len(now.blockers),
    )
    assert row.levels == {level: str(s) for level, s in now.scorecard.items()}
    assert stored.judged_from(row) == now
    return row


# -- Each kind of change: (set-up before the stored row is written, the change) -------------


def _nothing(w: World) -> None:
    return None


def _spec_saved(w: World) -> None:
    services.behavior_spec_save(actor=w.pm, use_case=w.use_case, change_note="v1", **SPEC)


ECONOMICS = (
    "repetition",
    "clear_handoffs",
    "cost_of_delay",
    "knowledge_lookup",
    "reviewability",
)


def _unscored(w: World) -> None:
    services.use_case_update(actor=w.pm, use_case=w.use_case, **dict.fromkeys(ECONOMICS, None))


def _economics(w: World) -> None:
    services.use_case_update(
        actor=w.pm,
        use_case=w.use_case,
        repetition=5,
        clear_handoffs=5,
        cost_of_delay=5,
        knowledge_lookup=5,
        reviewability=5,
        politically_sensitive=True,
    )


def _first_item(w: World) -> GovernanceItem:
    return GovernanceItem.objects.filter(checklist__use_case=w.use_case).order_by("pk").first()


def _evidence(w: World, expires_on: dt.date | None = None) -> None:
    gov.evidence_submit(
        actor=w.pm,
        item=_first_item(w),
        kind="text",
        text="The data classification is recorded in the register.",
        effective_date=timezone.localdate(),
        expires_on=expires_on,
    )


def _sign_off(w: World) -> None:
    gov.item_sign_off(actor=w.reviewer, item=_first_item(w), decision="approved", comment="ok")


def _signed_with_expiry(w: World) -> None:
    _evidence(w, expires_on=timezone.localdate() + dt.timedelta(days=7))
    _sign_off(w)


def _evidence_expired(w: World) -> None:
    assert gov.evidence_expire(today=timezone.localdate() + dt.timedelta(days=8)) == 1


def _target(w: World) -> None:
    metric_target_set(
        actor=w.pm,
        use_case=w.use_case,
        metric=metric("acceptance_rate"),
        target=0.8,
        warning=0.7,
        baseline=None,
    )


def _target_in_phase_2(w: World) -> None:
    """The gate in front (phase 3) judges quality metrics with a target on their samples."""
    _target(w)
    UseCase.objects.filter(pk=w.use_case.pk).update(current_phase=2)


def _samples_rolled_up(w: World) -> None:
    when = timezone.now() - dt.timedelta(hours=1)
    samples_ingest(
        actor=w.pm,
        organization=w.org,
        samples=[
            {
                "use_case": w.use_case.pk,
                "metric": "acceptance_rate",
                "timestamp": iso(when - dt.timedelta(days=d)),
                "numerator": 90,
                "denominator": 100,
                "client_id": f"stored-{d}",
            }
            for d in range(7)
        ],
    )
    rollups.rollup_pending()


def _cohort(w: World) -> None:
    from adoption.services import cohort_create

    cohort_create(
        actor=w.pm,
        use_case=w.use_case,
        name="First team",
        team="Support",
        size=8,
        planned_go_live=timezone.localdate() + dt.timedelta(days=10),
        managers=[w.pm],
    )


def _ready_for_phase_2(w: World) -> None:
    ChecklistItem.objects.filter(phase__use_case=w.use_case, phase__number=1).update(done=True)
    approve_governance(w.use_case, w.admin)
    services.behavior_spec_save(actor=w.pm, use_case=w.use_case, change_note="v1", **SPEC)
    live_integration(w.use_case, w.pm)


def _transition(w: World) -> None:
    services.phase_transition(actor=w.pm, use_case=w.use_case, expected_phase=1)


def _incident_opened(w: World) -> None:
    gov.incident_open(
        actor=w.reviewer,
        use_case=w.use_case,
        title="Wrong queue",
        description="Replies went to the wrong queue.",
        severity="critical",
    )


def _incident_closed(w: World) -> None:
    incident = Incident.objects.get(use_case=w.use_case)
    gov.incident_update(actor=w.reviewer, incident=incident, note="Fixed.", status="resolved")


def _item_ticked(w: World) -> None:
    item = (
        ChecklistItem.objects.filter(workstream__use_case=w.use_case, done=False)
        .filter(fact="")
        .order_by("pk")
        .first()
    )
    services.checklist_item_set_done(actor=w.pm, item=item, done=True)


def _definition_changed(w: World) -> None:
    """An organization-wide change: every use case of the organization is marked."""
    from metrics.services import metric_definition_create

    metric_definition_create(
        actor=w.admin,
        organization=w.org,
        key="handle_time",
        name="Handle time",
        level="business",
        kind="measured",
        unit="minutes",
        direction="lower",
    )


CHANGES: dict[str, tuple[Callable[[World], None], Callable[[World], None], bool]] = {
    # name: (set-up, change, whether the judgement must differ after it)
    "spec saved": (_nothing, _spec_saved, True),
    "economics scored": (_unscored, _economics, True),
    "evidence submitted": (_nothing, _evidence, True),
    "checklist sign-off": (_evidence, _sign_off, True),
    "evidence expiry": (_signed_with_expiry, _evidence_expired, True),
    "metric target changed": (_nothing, _target, True),
    "metric samples ingested and rolled up": (_target_in_phase_2, _samples_rolled_up, True),
    "adoption cohort": (_nothing, _cohort, True),
    "transition": (_ready_for_phase_2, _transition, True),
    "incident opened": (_nothing, _incident_opened, True),
    "incident closed": (_incident_opened, _incident_closed, True),
    "workstream item ticked": (_nothing, _item_ticked, True),
    "organization-wide: metric definition": (_nothing, _definition_changed, False),
}


@pytest.fixture
def world(org, pm, admin) -> World:
    reviewer = add_member(org, Role.GOVERNANCE_REVIEWER)
    use_case = make_use_case(org, pm, name="Triage assistance", owner=pm, team="Support")
    return World(org, pm, admin, reviewer, use_case, {})


@pytest.mark.parametrize("kind", list(CHANGES))
def test_stored_equals_a_fresh_evaluation_after_each_kind_of_change(
    kind, world, django_capture_on_commit_callbacks, request
):
    set_up, change, differs = CHANGES[kind]
    # The clock stands still: a judgement carries when its figures were computed.
    traveller = time_machine.travel(timezone.now(), tick=False)
    traveller.start()
    request.addfinalizer(traveller.stop)
    with django_capture_on_commit_callbacks(execute=True):
        set_up(world)
    stored.readiness_refresh(use_case_ids=[world.use_case.pk])
    before = assert_stored_is_fresh(world.use_case)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change(world)
    # Marked in the change's own transaction: a reader from now on judges it again.
    assert ReadinessMark.objects.filter(use_case_id=world.use_case.pk).exists()
    assert stored.stale(UseCase.objects.filter(pk=world.use_case.pk), timezone.localdate())
    for callback in callbacks:  # as the commit runs them: the recompute task, in-process
        callback()

    after = assert_stored_is_fresh(world.use_case)
    if differs:
        assert (after.state, after.levels) != (before.state, before.levels)


def test_a_reader_judges_a_marked_row_again_before_showing_it(world):
    stored.readiness_refresh(use_case_ids=[world.use_case.pk])
    # The change commits but its recompute never runs (a lost task, a broker outage).
    services.behavior_spec_save(actor=world.pm, use_case=world.use_case, change_note="v1", **SPEC)
    assert ReadinessMark.objects.filter(use_case_id=world.use_case.pk).exists()
    (row,) = portfolio_rows(world.org).rows
    now = fresh(world.use_case)
    assert row.score == now.score and row.blockers == now.blockers
    assert row.answers == now.answers and row.verdict == now.verdict
    assert_stored_is_fresh(world.use_case)  # no broker: the recompute ran in-process


def test_a_use_case_without_a_row_is_judged_when_read(world):
    assert not UseCaseReadiness.objects.exists()
    ReadinessMark.objects.all().delete()
    (row,) = portfolio_rows(world.org).rows
    assert row.score == fresh(world.use_case).score
    assert_stored_is_fresh(world.use_case)


def test_a_row_judged_yesterday_is_stale_today_and_the_sweep_recomputes_it(world):
    stored.readiness_refresh(use_case_ids=[world.use_case.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    qs = UseCase.objects.filter(pk=world.use_case.pk)
    assert not stored.stale(qs, timezone.localdate()).exists()
    assert list(stored.stale(qs, tomorrow)) == [world.use_case]
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        assert stored.refresh_stale() == 1
        assert stored.refresh_stale() == 0  # idempotent
        assert_stored_is_fresh(world.use_case)


def test_the_sweep_recomputes_marked_rows_and_drops_marks_of_deleted_use_cases(world):
    stored.readiness_refresh(use_case_ids=[world.use_case.pk])
    services.behavior_spec_save(actor=world.pm, use_case=world.use_case, change_note="v1", **SPEC)
    ReadinessMark.objects.create(use_case_id=987654)
    assert stored.refresh_stale() == 1
    assert not ReadinessMark.objects.exists()
    assert_stored_is_fresh(world.use_case)


def test_organization_wide_changes_mark_only_that_organization(world, other_org):
    _, _, other_use_case = other_org
    ReadinessMark.objects.all().delete()
    _definition_changed(world)
    assert set(ReadinessMark.objects.values_list("use_case_id", flat=True)) == {world.use_case.pk}
    assert not ReadinessMark.objects.filter(use_case_id=other_use_case.pk).exists()


def test_changes_no_readiness_rests_on_mark_nothing(world):
    from metrics.services import api_token_create

    ReadinessMark.objects.all().delete()
    api_token_create(actor=world.admin, organization=world.org, name="Production")
    assert not ReadinessMark.objects.exists()
    # A discussion on the use case judges nothing either.
    from readiness.services import comment_add

    comment_add(actor=world.pm, target=world.use_case, body="Who owns the data?")
    assert not ReadinessMark.objects.exists()
    # A batch of samples, all of one use case: they count once rolled up, not before.
    samples_ingest(
        actor=world.pm,
        organization=world.org,
        samples=[
            {
                "use_case": world.use_case.pk,
                "metric": "latency_ms",
                "timestamp": iso(timezone.now() - dt.timedelta(hours=1)),
                "value": 840.0,
                "client_id": "one-use-case",
            }
        ],
    )
    assert not ReadinessMark.objects.exists()


def test_a_burst_of_changes_queues_one_recompute_per_use_case(world, monkeypatch):
    queued: list[list[int]] = []
    from portfolio.tasks import refresh_readiness

    monkeypatch.setattr(
        refresh_readiness, "apply_async", lambda args, countdown: queued.append(list(args[0]))
    )
    stored.schedule([world.use_case.pk])
    stored.schedule([world.use_case.pk])
    assert queued == [[world.use_case.pk]]
    stored.unqueue([world.use_case.pk])  # the task started: a later change queues again
    stored.schedule([world.use_case.pk])
    assert queued == [[world.use_case.pk], [world.use_case.pk]]


def test_rows_and_marks_of_the_recompute_are_written_in_one_batch_per_200(org, pm):
    ids = [make_use_case(org, pm, name=f"Use case {i}").pk for i in range(3)]
    assert stored.readiness_refresh(use_case_ids=[*ids, 424242]) == 3
    assert UseCaseReadiness.objects.filter(pk__in=ids).count() == 3
    assert not ReadinessMark.objects.filter(use_case_id__in=ids).exists()


@pytest.fixture
def three(org, pm, admin):
    """Three use cases with different scores and blockers."""
    low = make_use_case(org, pm, name="Low")
    mid = make_use_case(org, pm, name="Mid")
    approve_governance(mid, admin)
    high = make_use_case(org, pm, name="High")
    approve_governance(high, admin)
    ChecklistItem.objects.filter(phase__use_case=high).update(done=True)
    ChecklistItem.objects.filter(workstream__use_case=high).update(done=True)
    return low, mid, high


def test_sort_by_score_and_by_blockers(org, three):
    rows = portfolio_rows(org, sort="-score", page=None).rows
    scores = [r.score.total for r in rows]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3
    assert [r.use_case.name for r in rows] == ["High", "Mid", "Low"]
    assert [r.score.total for r in portfolio_rows(org, sort="score", page=None)] == sorted(scores)
    by_blockers = portfolio_rows(org, sort="-blockers", page=None).rows
    counts = [r.open_blockers for r in by_blockers]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    assert [r.open_blockers for r in portfolio_rows(org, sort="blockers", page=None)] == sorted(
        counts
    )


def test_sort_by_score_in_the_page_and_the_api(client, org, pm, three):
    from django.urls import reverse
    from rest_framework.test import APIClient

    client.force_login(pm)
    html = client.get(
        reverse("portfolio_dashboard", kwargs={"org": org.slug}), {"sort": "-score"}
    ).content.decode()
    assert 'aria-sort="descending"' in html
    body = html.split("<tbody>")[1]
    assert body.index("High") < body.index("Mid") < body.index("Low")
    api = APIClient()
    api.force_authenticate(pm)
    answer = api.get("/api/v1/portfolio/", {"organization": org.slug, "sort": "-blockers"})
    results = answer.json()["results"]
    assert answer.json()["sort"] == "-blockers"
    assert [r["open_blockers"] for r in results] == sorted(
        (r["open_blockers"] for r in results), reverse=True
    )
    schema = client.get("/api/schema/", {"format": "json"}).json()
    (sort,) = [
        p for p in schema["paths"]["/api/v1/portfolio/"]["get"]["parameters"] if p["name"] == "sort"
    ]
    assert "score" in sort["description"] and "blockers" in sort["description"]


def test_a_fresh_portfolio_read_judges_nothing(org, three, monkeypatch):
    portfolio_rows(org, page=None)  # stores the rows
    assert not stored.stale(UseCase.objects.filter(organization=org), timezone.localdate())

    def refused(*args: Any, **kw: Any) -> int:
        raise AssertionError("a read with nothing stale judged a use case")

    monkeypatch.setattr(stored, "readiness_refresh", refused)
    monkeypatch.setattr(stored, "judge_many", refused)
    assert len(portfolio_rows(org, sort="-score").rows) == 3


def test_judging_reads_each_use_cases_scorecard_once(org, three, monkeypatch):
    """The answers and the score both judge the scorecard: one read of the weekly figures
    serves both (the first reader after a roll-up judges every use case it marked)."""
    from metrics.selectors import scorecards as scorecard_reads

    reads: list[int] = []
    latest_weekly = scorecard_reads.latest_weekly

    def counted(ids: Any, **kw: Any) -> Any:
        reads.append(len(ids))
        return latest_weekly(ids, **kw)

    monkeypatch.setattr(scorecard_reads, "latest_weekly", counted)
    use_cases = list(
        UseCase.objects.filter(organization=org).select_related("organization", "owner")
    )
    judged = judge_many(use_cases)
    assert reads == [3]
    assert all(j.scorecard and len(j.answers) == 6 for j in judged.values())


def test_the_sweep_judges_again_rows_older_than_the_max_age(world):
    morning = dt.datetime.combine(timezone.localdate(), dt.time(8), tzinfo=dt.UTC)
    with time_machine.travel(morning, tick=False):
        stored.readiness_refresh(use_case_ids=[world.use_case.pk])
        # An input changed with no audit record and no event: readers cannot tell.
        ChecklistItem.objects.filter(workstream__use_case=world.use_case).update(done=True)
        assert stored.refresh_stale() == 0
    # The same day, past the age: judged again though nothing marked it.
    with time_machine.travel(morning + stored.MAX_AGE + dt.timedelta(minutes=1), tick=False):
        assert stored.refresh_stale() == 1
        assert_stored_is_fresh(world.use_case)


def test_with_a_broker_a_reader_judges_a_stale_row_for_display_and_queues_it(world, monkeypatch):
    stored.readiness_refresh(use_case_ids=[world.use_case.pk])
    before = UseCaseReadiness.objects.get().state
    services.behavior_spec_save(actor=world.pm, use_case=world.use_case, change_note="v1", **SPEC)
    queued: list[list[int]] = []
    monkeypatch.setattr(stored, "_eager", lambda: False)  # a broker and workers
    monkeypatch.setattr(stored, "schedule", lambda ids: queued.append(list(ids)))
    (row,) = portfolio_rows(world.org).rows
    now = fresh(world.use_case)
    # Shown as judged now, not as stored; the row itself is left to the task.
    assert (row.answers, row.blockers, row.score) == (now.answers, now.blockers, now.score)
    assert UseCaseReadiness.objects.get().state == before != plain(stored.judged_state(now))
    assert queued == [[world.use_case.pk]]
    assert stored.verdicts_for(
        UseCase.objects.filter(pk=world.use_case.pk), timezone.localdate()
    ) == {world.use_case.pk: now.verdict}


def test_readers_share_a_judgement_of_the_state_they_saw_and_never_an_older_one(world, monkeypatch):
    """With a broker, 8 readers of a page that ingestion keeps marking judge each stale row
    once between them: the first reader's judgement is kept under the state it judged, and a
    change committed since gives a new state, judged again."""
    stored.readiness_refresh(use_case_ids=[world.use_case.pk])
    monkeypatch.setattr(stored, "_eager", lambda: False)  # a broker and workers
    monkeypatch.setattr(stored, "schedule", lambda ids: None)  # the task never comes
    judged: list[list[int]] = []
    judge = stored.judge_many

    def counted(use_cases: list[UseCase]) -> dict[int, stored.Judged]:
        judged.append([uc.pk for uc in use_cases])
        return judge(use_cases)

    monkeypatch.setattr(stored, "judge_many", counted)
    _spec_saved(world)
    first, second = (portfolio_rows(world.org).rows[0] for _ in range(2))
    assert judged == [[world.use_case.pk]]  # the second reader took the first one's judgement
    now = fresh(world.use_case)
    for row in (first, second):
        assert (row.answers, row.blockers, row.score, row.verdict) == (
            now.answers,
            now.blockers,
            now.score,
            now.verdict,
        )

    # The home page's counts read the same state: the same judgement, not judged again.
    today = timezone.localdate()
    only = UseCase.objects.filter(pk=world.use_case.pk)
    assert stored.verdicts_for(only, today) == {world.use_case.pk: now.verdict}
    assert judged == [[world.use_case.pk]]

    _item_ticked(world)  # another change: another state, judged again
    assert stored.verdicts_for(only, today) == {world.use_case.pk: fresh(world.use_case).verdict}
    (third,) = portfolio_rows(world.org).rows
    assert len(judged) == 2  # the counts judged it; the page took theirs
    later = fresh(world.use_case)
    assert (third.answers, third.score) == (later.answers, later.score) != (now.answers, now.score)

    # The task lands: the stored row is fresh and read as stored.
    monkeypatch.setattr(stored, "judge_many", judge)
    stored.readiness_refresh(use_case_ids=[world.use_case.pk])
    monkeypatch.setattr(stored, "judge_many", counted)
    (stored_row,) = portfolio_rows(world.org).rows
    assert len(judged) == 2 and stored_row.score == later.score


def test_seed_demo_judges_each_use_case_once_at_the_end(settings, tmp_path, monkeypatch):
    """The demo's ~700 writes mark their use cases but queue nothing (stored.deferred); the
    seed then judges each use case once, so every row is stored and fresh, with no mark left."""
    import io

    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path / "uploads"
    queued: list[list[int]] = []
    monkeypatch.setattr(stored, "schedule", lambda ids: queued.append(list(ids)))
    traveller = time_machine.travel(timezone.now(), tick=False)
    traveller.start()
    try:
        call_command("seed_demo", stdout=io.StringIO())
        use_cases = list(UseCase.objects.filter(organization__slug="demo"))
        assert use_cases and queued == []
        for use_case in use_cases:
            assert_stored_is_fresh(use_case)
    finally:
        traveller.stop()
