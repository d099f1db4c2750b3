import datetime as dt

from django.utils import timezone

from governance.models import Evidence, ItemStatus
from governance.services import evidence_submit, item_sign_off
from governance.tasks import expire_evidence


def test_expire_evidence_task_is_idempotent_and_batched(item, pm, reviewer, checklist):
    today = timezone.localdate()
    items = list(checklist.items.filter(gate_phase=1))
    for it in items:
        evidence_submit(
            actor=pm, item=it, kind="text", text="x", effective_date=today, expires_on=today
        )
    item_sign_off(actor=reviewer, item=items[0], decision="approved", comment="ok")
    Evidence.objects.update(
        expires_on=today - dt.timedelta(days=1), effective_date=today - dt.timedelta(days=5)
    )
    assert expire_evidence.delay(batch_size=3).get() == 4  # two batches
    assert expire_evidence.delay().get() == 0
    items[0].refresh_from_db()
    assert items[0].status == ItemStatus.OPEN
    assert Evidence.objects.filter(expired_at__isnull=True).count() == 0


def test_task_with_nothing_due(db):
    assert expire_evidence() == 0
