"""A use case's audit history page."""

import pytest

from readiness import services
from readiness.audit.display import audit_changes, humanise_action
from readiness.models import AuditEvent, ChecklistItem
from tests.readiness.pages_support import url

# History


def test_history_lists_events_newest_first_with_changes(client, org, pm, use_case):
    ws = use_case.workstreams.get(number=4)
    services.checklist_item_set_done(actor=pm, item=ws.items.first(), done=True)
    services.workstream_update(actor=pm, workstream=ws, status="blocked")
    client.force_login(pm)
    response = client.get(url("usecase_history", org, use_case.pk))
    assert response.status_code == 200
    events = list(response.context["page"])
    assert [e.action for e in events] == [
        "workstream.update",
        "workstream.status_follow",  # the tick moved the workstream on
        "workstream_item.set_done",
        "use_case.create",
    ]
    html = response.content.decode()
    assert "Workstream item set done" in html
    assert '<span class="before">not_started</span>' in html
    assert '<span class="after">in_progress</span>' in html
    assert '<span class="after">blocked</span>' in html
    assert pm.email in html


def test_history_lists_only_real_changes():
    event = AuditEvent(
        action="use_case.update",
        before={"name": "Triage", "risk_tier": "high", "score": 3, "team": None},
        after={"name": "Triage assistant", "risk_tier": "high", "score": 3.0, "team": ""},
    )
    changes = audit_changes(event)
    assert [c["label"] for c in changes] == ["Name"]
    assert (changes[0]["before"], changes[0]["after"]) == ("Triage", "Triage assistant")


def test_history_page_hides_fields_recorded_unchanged(client, org, pm, use_case):
    from django.db import transaction

    from readiness.audit import audit_record

    with transaction.atomic():
        audit_record(
            actor=pm,
            organization=org,
            action="use_case.update",
            target=use_case,
            before={"review_cadence": "weekly", "risk_tier": "medium"},
            after={"review_cadence": "weekly", "risk_tier": "high"},
            use_case=use_case,
        )
    client.force_login(pm)
    html = client.get(url("usecase_history", org, use_case.pk)).content.decode()
    assert "<dt>Risk tier</dt>" in html
    assert "<dt>Review cadence</dt>" not in html


def test_history_query_count_is_constant(client, org, pm, use_case, django_assert_max_num_queries):
    client.force_login(pm)
    client.get(url("usecase_history", org, use_case.pk))  # warm the session
    items = ChecklistItem.objects.filter(workstream__use_case=use_case, fact="")[:10]
    for item in items:
        services.checklist_item_set_done(actor=pm, item=item, done=True)
    with django_assert_max_num_queries(8):
        client.get(url("usecase_history", org, use_case.pk))


def test_history_viewer_can_read_other_org_404(client, org, pm, viewer, use_case, other_org):
    client.force_login(viewer)
    assert client.get(url("usecase_history", org, use_case.pk)).status_code == 200
    assert client.get(url("usecase_history", org, other_org[2].pk)).status_code == 404


@pytest.mark.parametrize(
    ("action", "label"),
    [
        ("workstream_item.set_done", "Workstream item set done"),
        ("gate.refused", "Gate refused"),
        ("use_case.create", "Use case create"),
    ],
)
def test_humanise_action(action, label):
    assert humanise_action(action) == label
