"""Readiness's own fact-backed items follow their records both ways (the five economics scores,
each field of the behavior spec, the five integration concerns); none can be ticked by hand,
in the service, on the page or through the API; a workstream's status follows its items."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from readiness import services
from readiness.errors import Conflict
from readiness.facts import CONCERNS, ECONOMICS, SPEC, Fact, Source
from readiness.models import AuditEvent, ChecklistItem, Integration
from readiness.scoring import CRITERIA
from tests.factories import make_use_case
from tests.readiness.api_support import client_for
from tests.readiness.pages_support import url

FULL_SPEC = {
    "inputs": "Ticket subject and body, the customer's plan",
    "output_format": "Queue name and a two-line reason",
    "uncertainty_behavior": "Route to the triage queue and say why",
    "human_approval": "Reassigning a priority-1 ticket",
    "source_systems": "Zendesk",
    "acceptable_latency": "2 s p95",
}


def item_for(use_case, fact):
    return ChecklistItem.objects.get(workstream__use_case=use_case, fact=fact)


def follow_audits(item):
    return AuditEvent.objects.filter(action="workstream_item.follow_record", target_id=str(item.pk))


# --- 1. Workflow economics: the five scores ------------------------------------------------


@pytest.mark.parametrize("criterion", CRITERIA)
def test_economics_item_follows_its_score_both_ways(org, pm, criterion):
    use_case = make_use_case(org, pm, **{criterion: None})
    item = item_for(use_case, ECONOMICS[criterion])
    assert not item.done  # not scored yet
    services.use_case_update(actor=pm, use_case=use_case, **{criterion: 4})
    item.refresh_from_db()
    assert item.done and item.done_by == pm
    event = follow_audits(item).get()
    assert event.after == {"done": True, "record": item.fact_source.record}
    services.use_case_update(actor=pm, use_case=use_case, **{criterion: None})
    item.refresh_from_db()
    assert not item.done and item.done_by is None
    assert follow_audits(item).count() == 2


def test_a_new_use_case_starts_with_the_scores_it_was_given(org, pm):
    use_case = make_use_case(org, pm, repetition=5, clear_handoffs=None, cost_of_delay=None)
    done = set(
        ChecklistItem.objects.filter(workstream__use_case=use_case, done=True).values_list(
            "fact", flat=True
        )
    )
    assert done == {Fact.REPETITION, Fact.KNOWLEDGE_LOOKUP, Fact.REVIEWABILITY}
    assert use_case.workstreams.get(number=1).status == "in_progress"
    assert use_case.priority_score == 0  # not ranked on guesses


# --- 2. Production behavior: each field of the current spec --------------------------------


@pytest.mark.parametrize("field", list(SPEC))
def test_spec_item_follows_its_field_both_ways(use_case, pm, field):
    item = item_for(use_case, SPEC[field])
    assert not item.done  # no spec yet
    services.behavior_spec_save(actor=pm, use_case=use_case, **FULL_SPEC)
    item.refresh_from_db()
    assert item.done
    ws = use_case.workstreams.get(number=2)
    ws.refresh_from_db()
    assert ws.status == "done"
    services.behavior_spec_save(actor=pm, use_case=use_case, **{**FULL_SPEC, field: ""})
    item.refresh_from_db()
    assert not item.done
    ws.refresh_from_db()
    assert ws.status == "in_progress"
    others = ChecklistItem.objects.filter(workstream=ws, done=True).count()
    assert others == 5


# --- 3. Integration: the five concerns ------------------------------------------------------


@pytest.mark.parametrize("concern", list(CONCERNS))
def test_integration_item_follows_its_concern_both_ways(use_case, pm, concern):
    item = item_for(use_case, CONCERNS[concern])
    crm = services.integration_save(
        actor=pm, use_case=use_case, name="CRM", kind="crm", **{concern: "done"}
    )
    item.refresh_from_db()
    assert item.done
    erp = services.integration_save(actor=pm, use_case=use_case, name="ERP", kind="erp")
    item.refresh_from_db()
    assert not item.done  # a second system with this concern open
    services.integration_save(
        actor=pm, use_case=use_case, integration=erp, **{concern: "not_applicable"}
    )
    item.refresh_from_db()
    assert item.done
    services.integration_save(actor=pm, use_case=use_case, integration=crm, **{concern: "blocked"})
    item.refresh_from_db()
    assert not item.done
    services.integration_delete(actor=pm, integration=Integration.objects.get(pk=crm.pk))
    item.refresh_from_db()
    assert item.done  # what remains has it settled


# --- Never by hand ---------------------------------------------------------------------------


def test_ticking_a_fact_item_by_hand_is_refused_naming_the_record(use_case, pm):
    item = item_for(use_case, Fact.SPEC_INPUTS)
    with pytest.raises(Conflict, match="follows the inputs of the current behavior spec"):
        services.checklist_item_set_done(actor=pm, item=item, done=True)
    item.refresh_from_db()
    assert not item.done
    assert not AuditEvent.objects.filter(action="workstream_item.set_done").exists()


def test_the_page_refuses_a_manual_toggle_of_a_fact_item(client, org, pm, use_case):
    item = item_for(use_case, Fact.SPEC_INPUTS)
    client.force_login(pm)
    response = client.post(url("item_toggle", org, item.pk), {"done": "1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'role="alert"' in html and "follows the inputs of the current behavior spec" in html
    response = client.post(url("item_toggle", org, item.pk), {"done": "1"}, follow=True)
    assert "cannot be ticked by hand" in response.content.decode()
    item.refresh_from_db()
    assert not item.done


def test_the_api_refuses_a_manual_toggle_of_a_fact_item_with_409(use_case, pm):
    item = item_for(use_case, Fact.IDENTITY_ACCESS)
    api = client_for(pm)
    response = api.patch(f"/api/v1/checklist-items/{item.pk}/", {"done": True}, format="json")
    assert response.status_code == 409
    assert "identity and access concern of the integrations" in response.json()["detail"]
    item.refresh_from_db()
    assert not item.done
    body = api.get(f"/api/v1/checklist-items/{item.pk}/").json()
    assert body["source"]["fact"] == "integration.identity_access"
    assert body["source"]["url"] == url("usecase_integrations", use_case.organization, use_case.pk)
    judgment = ChecklistItem.objects.filter(workstream__use_case=use_case, fact="").first()
    assert api.get(f"/api/v1/checklist-items/{judgment.pk}/").json()["source"] is None


def test_the_overview_shows_a_fact_item_with_its_source_link_and_no_checkbox(
    client, org, pm, use_case
):
    client.force_login(pm)
    html = client.get(url("usecase_detail", org, use_case.pk)).content.decode()
    fact_item = item_for(use_case, Fact.SPEC_INPUTS)
    assert reverse("item_toggle", args=[org.slug, fact_item.pk]) not in html
    assert f'href="{url("usecase_spec", org, use_case.pk)}#current-title"' in html
    assert "from Behavior spec" in html
    judgment = ChecklistItem.objects.filter(workstream__use_case=use_case, fact="").first()
    assert reverse("item_toggle", args=[org.slug, judgment.pk]) in html


def test_refresh_is_idempotent_and_an_app_sets_only_its_own_facts(use_case, pm):
    changed = services.workstream_facts_refresh(
        use_case=use_case, source=Source.READINESS, facts={Fact.SPEC_INPUTS: True}, actor=pm
    )
    assert changed == 1
    events = AuditEvent.objects.count()
    again = services.workstream_facts_refresh(
        use_case=use_case, source=Source.READINESS, facts={Fact.SPEC_INPUTS: True}, actor=pm
    )
    assert again == 0 and AuditEvent.objects.count() == events
    with pytest.raises(ValueError, match="does not hold"):
        services.workstream_facts_refresh(
            use_case=use_case, source=Source.METRICS, facts={Fact.SPEC_INPUTS: False}
        )


# --- Status follows the items ------------------------------------------------------------------


def test_status_follows_the_judgments_and_keeps_a_flag_on_unfinished_work(use_case, pm):
    ws = use_case.workstreams.get(number=4)
    items = list(ws.items.order_by("position"))
    services.checklist_item_set_done(actor=pm, item=items[0], done=True)
    ws.refresh_from_db()
    assert ws.status == "in_progress"
    services.workstream_update(actor=pm, workstream=ws, status="at_risk")
    services.checklist_item_set_done(actor=pm, item=items[1], done=True)
    ws.refresh_from_db()
    assert ws.status == "at_risk"
    for item in items[2:]:
        services.checklist_item_set_done(actor=pm, item=item, done=True)
    ws.refresh_from_db()
    assert ws.status == "done"
    services.checklist_item_set_done(actor=pm, item=items[0], done=False)
    ws.refresh_from_db()
    assert ws.status == "in_progress"


@pytest.mark.parametrize("status", ["done", "not_started"])
def test_a_status_the_items_contradict_is_refused(use_case, pm, status):
    ws = use_case.workstreams.get(number=1)  # five of six items done
    with pytest.raises(ValidationError) as err:
        services.workstream_update(actor=pm, workstream=ws, status=status)
    assert "5 of 6 items are done" in err.value.message_dict["status"][0]
    ws.refresh_from_db()
    assert ws.status == "in_progress"
