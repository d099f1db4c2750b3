"""The data migrations: a use case recorded before workstream items followed the records gets
its fact keys, its items set from its records (readiness's, governance's, metrics' and
adoption's, each in its own migration), owners and due dates, and statuses that follow."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("readiness", "0004_org_admins_may_sign_off_scale_decision_moves"),
    ("governance", "0003_settings_move_to_organization"),
    ("metrics", "0003_ingestion"),
    ("adoption", "0001_cohorts_training_boundaries_feedback"),
]
AFTER = [
    ("readiness", "0007_workstream_items_follow_records"),
    ("governance", "0004_workstream_facts"),
    ("metrics", "0004_workstream_facts"),
    ("adoption", "0002_workstream_facts"),
]
START = dt.date(2026, 3, 2)
OLD_ITEMS = {
    1: ["Score repetition: how often the task recurs", "Check the process is not the most politically sensitive one"],
    2: ["Inputs the AI receives are listed", "Acceptable latency is set"],
    3: ["Identity and access: users and service accounts mapped", "Data mapping: fields from source systems mapped and cleaned"],
    5: ["Data classification and handling rules agreed", "Prompt and response logging policy set"],
    6: ["Business metrics: cycle time, throughput, response time, case capacity", "Pre-AI baselines recorded"],
    7: ["Publish clear usage boundaries", "Iterate quickly in the first 30-60 days"],
}  # fmt: skip


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _migrate_to_latest():
    """Leave the schema as every other test expects it: each app at its latest migration."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _seed_old(apps):
    """A use case as the app recorded it before: items ticked by hand, whatever the records."""
    User = apps.get_model("readiness", "User")
    user = User.objects.create(email="old@example.com", password="x", first_name="Old")
    org = apps.get_model("readiness", "Organization").objects.create(name="Old", slug="old")
    apps.get_model("readiness", "WorkstreamTemplate").objects.create(
        organization=org, number=7, name="Adoption rollout", items=OLD_ITEMS[7]
    )
    uc = apps.get_model("readiness", "UseCase").objects.create(
        organization=org, name="Old one", workflow="w", team="t", target_outcome="o",
        start_date=START, created_by=user, repetition=4, clear_handoffs=4, cost_of_delay=4,
        knowledge_lookup=4, reviewability=4,
    )  # fmt: skip
    Phase = apps.get_model("readiness", "Phase")
    for n, (first, last) in {1: (1, 30), 2: (31, 60), 3: (61, 90)}.items():
        phase = Phase.objects.create(
            use_case=uc, number=n, name=f"P{n}", first_day=first, last_day=last,
            planned_start=START + dt.timedelta(days=first - 1),
            planned_end=START + dt.timedelta(days=last - 1),
        )  # fmt: skip
        apps.get_model("readiness", "ChecklistItem").objects.create(
            phase=phase, position=0, text=f"Criterion {n}"
        )
    Workstream = apps.get_model("readiness", "Workstream")
    Item = apps.get_model("readiness", "ChecklistItem")
    for number, texts in OLD_ITEMS.items():
        ws = Workstream.objects.create(use_case=uc, number=number, name=f"W{number}")
        for i, text in enumerate(texts):
            # Ticked by hand: the spec's latency and the data mapping, with no record behind.
            Item.objects.create(workstream=ws, position=i, text=text, done=i == 1)
    apps.get_model("readiness", "BehaviorSpecVersion").objects.create(
        use_case=uc, version=1, inputs="Ticket text", output_format="x", uncertainty_behavior="x",
        human_approval="x", source_systems="x", acceptable_latency="", created_by=user,
    )  # fmt: skip
    apps.get_model("readiness", "Integration").objects.create(
        use_case=uc, name="CRM", kind="crm", identity_access="done"
    )
    checklist = apps.get_model("governance", "Checklist").objects.create(use_case=uc, name="C")
    apps.get_model("governance", "GovernanceItem").objects.create(
        checklist=checklist, area="data_handling", title="t", gate_phase=1, status="approved"
    )
    apps.get_model("governance", "GovernanceItem").objects.create(
        checklist=checklist, area="logging", title="t", gate_phase=1, status="submitted"
    )
    metric = apps.get_model("metrics", "MetricDefinition").objects.get(key="cycle_time_h")
    apps.get_model("metrics", "MetricTarget").objects.create(
        use_case=uc, metric=metric, target=4, baseline=48
    )
    apps.get_model("adoption", "UsageBoundary").objects.create(use_case=uc, version=1, body="b")
    return uc.pk


def test_existing_use_cases_follow_their_records_after_the_migrations():
    try:
        old = _migrate(BEFORE)
        pk = _seed_old(old)
        new = _migrate(AFTER)
        Item = new.get_model("readiness", "ChecklistItem")
        items = {
            i.text: i
            for i in Item.objects.filter(workstream__use_case_id=pk).select_related("workstream")
        }
        follows = {text: (i.fact, i.done) for text, i in items.items()}
        assert follows == {
            "Score repetition: how often the task recurs": ("economics.repetition", True),
            "Check the process is not the most politically sensitive one": ("", True),
            "Inputs the AI receives are listed": ("spec.inputs", True),
            "Acceptable latency is set": ("spec.acceptable_latency", False),  # empty in the spec
            "Identity and access: users and service accounts mapped": (
                "integration.identity_access",
                True,
            ),
            "Data mapping: fields from source systems mapped and cleaned": (
                "integration.data_mapping",
                False,  # ticked by hand, but the integration says otherwise
            ),
            "Data classification and handling rules agreed": ("governance.data_handling", True),
            "Prompt and response logging policy set": ("governance.logging", False),
            "Business metrics: cycle time, throughput, response time, case capacity": (
                "metrics.business_targets",
                True,
            ),
            "Pre-AI baselines recorded": ("metrics.baselines", True),
            "Publish clear usage boundaries": ("adoption.boundaries", True),
            "Iterate quickly in the first 30-60 days": ("", True),
        }
        ws = {
            w.number: w
            for w in new.get_model("readiness", "Workstream").objects.filter(use_case_id=pk)
        }
        assert {n: w.status for n, w in ws.items()} == {
            1: "done",
            2: "in_progress",
            3: "in_progress",
            5: "in_progress",
            6: "done",
            7: "done",
        }
        user = new.get_model("readiness", "User").objects.get(email="old@example.com")
        assert all(w.owner_id == user.pk for w in ws.values())  # no owner: the creator
        assert ws[7].due_date == START + dt.timedelta(days=89)  # phase 3's end
        assert items["Inputs the AI receives are listed"].due_date == START + dt.timedelta(days=29)
        criterion = Item.objects.get(phase__use_case_id=pk, phase__number=2)
        assert criterion.due_date == START + dt.timedelta(days=59)
        template = new.get_model("readiness", "WorkstreamTemplate").objects.get(number=7)
        assert template.facts == ["adoption.boundaries"]
        assert template.items == ["Iterate quickly in the first 30-60 days"]
    finally:
        _migrate_to_latest()
