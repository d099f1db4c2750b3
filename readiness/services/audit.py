"""Writing signed checkpoints of the audit chains (beat, hourly; ``manage.py audit_checkpoint``)."""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from readiness.audit import chain, checkpoints
from readiness.audit.checkpoints import Checkpoint
from readiness.audit.verify import Problem, verify_since
from readiness.models import AuditCheckpoint, AuditEvent, Organization

logger = logging.getLogger("readiness.audit")


class ChainBroken(Exception):
    """The chain no longer verifies since its last checkpoint: no new checkpoint may vouch for it."""

    def __init__(self, organization: Organization, problems: list[Problem]) -> None:
        self.organization = organization
        self.problems = problems
        first = min([p for p in problems if p.sequence] or problems)
        super().__init__(
            f"{organization.slug}: {len(problems)} problem(s) since the last checkpoint, "
            f"first: {first}"
        )


@dataclass
class CheckpointRun:
    written: list[Checkpoint] = field(default_factory=list)
    broken: list[ChainBroken] = field(default_factory=list)


def _previous(organization: Organization, where: Path | None) -> Checkpoint | None:
    """The newest valid checkpoint in the directory or the table."""
    path = checkpoints.file_for(organization.pk, where)
    found = checkpoints.in_table(organization.pk)
    if path.exists():
        found += [
            c
            for c in checkpoints.read_file(path, strict=True)
            if isinstance(c, Checkpoint) and c.organization == organization.pk
        ]
    return checkpoints.latest(found)


def audit_checkpoint_create(
    *, organization: Organization, directory: Path | None = None
) -> Checkpoint | None:
    """Sign the organization's chain head and write it to the checkpoint directory, the
    table and the log. None when the organization has no record yet.

    The records since the previous checkpoint are verified first: a checkpoint never vouches
    for a chain that is already broken (raises :class:`ChainBroken`, and writes nothing). An
    unwritable directory raises OSError and leaves the table unchanged too.
    """
    key = chain.audit_key()
    if not AuditEvent.objects.filter(organization=organization).exists():
        return None
    previous = _previous(organization, directory)
    walk = verify_since(organization.pk, previous, key=key)
    if walk.problems:
        raise ChainBroken(organization, walk.problems)
    # Vouch for exactly what the walk checked (records appended meanwhile wait for the next).
    now = timezone.now()
    unsigned = Checkpoint(
        organization=organization.pk,
        sequence=walk.last_sequence,
        head=walk.last_hash,
        at=chain.timestamp(now),
        signature="",
    )
    checkpoint = dataclasses.replace(
        unsigned, signature=chain.sign(unsigned.as_dict(), key), source="the new checkpoint"
    )
    with transaction.atomic():
        AuditCheckpoint.objects.create(
            organization=organization,
            sequence=checkpoint.sequence,
            head=checkpoint.head,
            created_at=now,
            signature=checkpoint.signature,
        )
        checkpoints.append(checkpoint, slug=organization.slug, where=directory)
    logger.info(
        json.dumps({"kind": "checkpoint", "slug": organization.slug, **checkpoint.as_dict()})
    )
    return checkpoint


def audit_checkpoint_all(
    *, organizations: list[Organization] | None = None, directory: Path | None = None
) -> CheckpointRun:
    """A checkpoint for every organization with records, in id order. A broken chain is
    logged and skipped, so one organization's tampered trail does not stop the others'."""
    run = CheckpointRun()
    orgs = organizations if organizations is not None else Organization.objects.order_by("pk")
    for organization in orgs:
        try:
            written = audit_checkpoint_create(organization=organization, directory=directory)
        except ChainBroken as broken:
            logger.error(
                json.dumps(
                    {
                        "kind": "chain_broken",
                        "organization": organization.pk,
                        "slug": organization.slug,
                        "problems": [str(p) for p in broken.problems[:20]],
                    }
                )
            )
            run.broken.append(broken)
            continue
        if written is not None:
            run.written.append(written)
    return run
