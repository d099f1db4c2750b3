"""What the API tests share: clients, request bodies, and every write on a use case."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from readiness import services
from readiness.models import ChecklistItem, Role
from tests.conftest import WRITE_ROLES

READ_ONLY_ROLES = [r.value for r in Role if r not in WRITE_ROLES]
SPEC = {
    "inputs": "The ticket text and the customer's plan.",
    "output_format": "A queue name and a draft reply under 120 words.",
    "uncertainty_behavior": "Leave the queue empty and flag for a human.",
    "human_approval": "Every reply before it is sent.",
    "source_systems": "Zendesk, the CRM.",
    "acceptable_latency": "Under 5 seconds",
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def create_payload(org, **overrides):
    data = {
        "organization": org.slug,
        "name": "Claims intake",
        "workflow": "Read incoming claims and fill in the intake form.",
        "team": "Claims",
        "target_outcome": "Halve the time from claim to first decision",
        "risk_tier": "high",
        "start_date": "2026-03-02",
        "repetition": 5,
        "clear_handoffs": 4,
        "cost_of_delay": 5,
        "knowledge_lookup": 3,
        "reviewability": 4,
        "politically_sensitive": False,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def tick_phase(use_case, actor, number):
    for item in ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=number):
        services.checklist_item_set_done(actor=actor, item=item, done=True)


def uc_url(use_case, suffix=""):
    return f"/api/v1/use-cases/{use_case.pk}/{suffix}"


def count_list_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


def write_requests(use_case):
    """(method, url, body, success status) for every write on an existing use case."""
    ws = use_case.workstreams.get(number=1)
    item = ChecklistItem.objects.filter(workstream=ws, fact="").first()  # a judgment
    phase = use_case.phases.get(number=2)
    later = (phase.planned_end + dt.timedelta(days=3)).isoformat()
    return {
        "use_case": ("patch", uc_url(use_case), {"team": "Changed"}, 200),
        "transition": (
            "post",
            uc_url(use_case, "transition/"),
            {"expected_phase": use_case.current_phase},
            200,
        ),
        "spec": ("post", uc_url(use_case, "spec/"), SPEC, 201),
        "workstream": ("patch", f"/api/v1/workstreams/{ws.pk}/", {"health": "red"}, 200),
        "item": ("patch", f"/api/v1/checklist-items/{item.pk}/", {"done": True}, 200),
        "phase": ("patch", f"/api/v1/phases/{phase.pk}/", {"planned_end": later}, 200),
    }
