"""Existing data meets the workstream facts, owners and due dates.

- Workstream templates: items worded as a default fact-backed item become that fact (``facts``),
  the rest stay the judgments (``items``).
- Workstream items worded as a default fact-backed item of their workstream follow that fact,
  and are set from readiness's own records: the five economics scores, the fields of the
  current behavior spec, the concerns of the integrations. (Governance, metrics and adoption
  set their facts in their own migrations, which run after this one.)
- Owners and due dates: a workstream without an owner gets the use case's owner, or its
  creator; workstreams and their items without a due date are due at the planned end of the
  phase they belong to (readiness.facts.WORKSTREAM_PHASE); exit criteria at their phase's end.
- Every workstream's status follows its items (a flag, at risk or blocked, stays on
  unfinished work).
"""

from django.db import migrations
from django.utils import timezone

from readiness import facts as facts_module

CRITERIA = ("repetition", "clear_handoffs", "cost_of_delay", "knowledge_lookup", "reviewability")
SPEC_FIELDS = (
    "inputs",
    "output_format",
    "uncertainty_behavior",
    "human_approval",
    "source_systems",
    "acceptable_latency",
)


def _split_templates(apps):
    Template = apps.get_model("readiness", "WorkstreamTemplate")
    for template in Template.objects.all():
        stated = {d.text: d.fact.value for d in facts_module.facts_of_workstream(template.number)}
        found = [stated[t.strip()] for t in template.items if t.strip() in stated]
        order = [d.fact.value for d in facts_module.facts_of_workstream(template.number)]
        template.facts = [f for f in order if f in found]
        template.items = [t for t in template.items if t.strip() not in stated]
        template.save(update_fields=["facts", "items"])


def _facts_of(use_case, spec, integrations):
    known = {}
    known.update(facts_module.economics_facts({c: getattr(use_case, c) for c in CRITERIA}))
    known.update(facts_module.spec_facts({f: getattr(spec, f) for f in SPEC_FIELDS} if spec else None))
    known.update(facts_module.integration_facts(integrations))
    return {str(k): v for k, v in known.items()}


def forwards(apps, schema_editor):
    UseCase = apps.get_model("readiness", "UseCase")
    Workstream = apps.get_model("readiness", "Workstream")
    Phase = apps.get_model("readiness", "Phase")
    ChecklistItem = apps.get_model("readiness", "ChecklistItem")
    Spec = apps.get_model("readiness", "BehaviorSpecVersion")
    Integration = apps.get_model("readiness", "Integration")
    _split_templates(apps)
    now = timezone.now()
    concerns = list(facts_module.CONCERNS)
    for use_case in UseCase.objects.order_by("pk").iterator():
        spec = Spec.objects.filter(use_case_id=use_case.pk).order_by("-version").first()
        integrations = list(
            Integration.objects.filter(use_case_id=use_case.pk).values("status", *concerns)
        )
        known = _facts_of(use_case, spec, integrations)
        ends = dict(Phase.objects.filter(use_case_id=use_case.pk).values_list("number", "planned_end"))
        default_owner = use_case.owner_id or use_case.created_by_id
        for ws in Workstream.objects.filter(use_case_id=use_case.pk).order_by("pk"):
            end = ends.get(facts_module.workstream_phase(ws.number))
            update = []
            if ws.owner_id is None and default_owner is not None:
                ws.owner_id = default_owner
                update.append("owner")
            if ws.due_date is None and end is not None:
                ws.due_date = end
                update.append("due_date")
            items = list(ChecklistItem.objects.filter(workstream_id=ws.pk).order_by("pk"))
            for item in items:
                fact = facts_module.default_fact_for(ws.number, item.text)
                fields = []
                if fact is not None:
                    item.fact = fact.value
                    fields.append("fact")
                    want = bool(known.get(fact.value, False))
                    if item.done != want:
                        item.done = want
                        item.done_at = now if want else None
                        item.done_by_id = None
                        fields += ["done", "done_at", "done_by"]
                if item.due_date is None and end is not None:
                    item.due_date = end
                    fields.append("due_date")
                if fields:
                    item.save(update_fields=fields)
            done = sum(1 for i in items if i.done)
            status = facts_module.followed_status(ws.status, done, len(items))
            if status != ws.status:
                ws.status = status
                update.append("status")
            if update:
                ws.save(update_fields=update)
        for phase_number, end in ends.items():
            ChecklistItem.objects.filter(
                phase__use_case_id=use_case.pk, phase__number=phase_number, due_date__isnull=True
            ).update(due_date=end)


def backwards(apps, schema_editor):
    # The fact-backed items go back into the templates' item texts, in front, as they were.
    Template = apps.get_model("readiness", "WorkstreamTemplate")
    for template in Template.objects.all():
        texts = [facts_module.FACTS[f].text for f in template.facts if f in facts_module.FACTS]
        template.items = texts + list(template.items)
        template.facts = []
        template.save(update_fields=["facts", "items"])


class Migration(migrations.Migration):
    dependencies = [("readiness", "0006_workstream_facts_owners_due_dates")]

    operations = [migrations.RunPython(forwards, backwards)]
