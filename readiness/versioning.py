"""The optimistic lock: services compare the version a writer saw with the row they locked.

A service that edits a :class:`readiness.models.Versioned` row takes ``expected_version``
(``None``: the writer does not say, and the write goes through as before). It locks the row,
reads it, and calls :func:`check_version` before changing anything, so of two writers who read
the same version only the first one saves; the second gets :class:`StaleVersion` with what
changed since, taken from the audit trail.
"""

from __future__ import annotations

from django.utils import timezone

from readiness.errors import StaleVersion
from readiness.models import AuditEvent, Versioned


def check_version(obj: Versioned, expected: int | None) -> None:
    """Raise StaleVersion unless ``expected`` is None or equals the version of ``obj``, which
    the caller read after locking its row."""
    if expected is None or obj.version == expected:
        return
    raise stale(obj, expected)


def stale(obj: Versioned, expected: int) -> StaleVersion:
    """The refusal for a writer who saw ``expected``: the fields the audit trail records as
    changed by the last ``current - expected`` records on this row, and who made the last."""
    newer = max(obj.version - expected, 1)
    records = list(
        AuditEvent.objects.filter(target_type=obj._meta.model_name or "", target_id=str(obj.pk))
        .order_by("-id")
        .values("actor_label", "created_at", "before", "after")[:newer]
    )
    fields: list[str] = []
    for record in reversed(records):
        for part in (record["before"], record["after"]):
            for key in part if isinstance(part, dict) else {}:
                if key not in fields:
                    fields.append(key)
    last = records[0] if records else None
    return StaleVersion(
        label=str(obj._meta.verbose_name),
        expected=expected,
        current=obj.version,
        changed_fields=fields,
        changed_by=last["actor_label"] if last else "",
        changed_at=(
            timezone.localtime(last["created_at"]).strftime("%Y-%m-%d %H:%M") if last else ""
        ),
    )


def stale_absent(label: str, expected: int) -> StaleVersion:
    """The refusal for a writer who saw a row (version ``expected``) that is gone now."""
    return StaleVersion(label=label, expected=expected, current=0, changed_fields=["removed"])


def lock_checked(model: type[Versioned], pk: int, expected: int | None) -> None:
    """Lock one row (FOR NO KEY UPDATE OF it alone) and raise StaleVersion unless its version
    is ``expected`` (None: no check, the row is still locked). For services that lock and read
    the row later, or in a helper they share."""
    version = (
        model._default_manager.select_for_update(no_key=True, of=("self",))
        .filter(pk=pk)
        .order_by()
        .values_list("version", flat=True)
        .first()
    )
    if version is None:
        raise model.DoesNotExist(f"{model._meta.verbose_name} {pk} does not exist")
    if expected is not None and version != expected:
        raise stale(model._default_manager.get(pk=pk), expected)
