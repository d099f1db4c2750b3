"""The audit trail: every change, sign-off, transition and decision, as an append-only chain per
organization that proves itself.

- :mod:`.record`: :func:`audit_record`, which services call last in their transaction.
- :mod:`.chain`: the key, the canonical form of a record, its HMAC, a checkpoint's signature.
- :mod:`.checkpoints`: signed chain heads written outside the database, and reading them back.
- :mod:`.verify`: :func:`verify_organization`, which ``manage.py audit_verify`` runs.
- :mod:`.export`: the organization's trail as CSV or JSON, with its latest checkpoint.
"""

from readiness.audit.record import audit_at_end, audit_record, changed, jsonable, snapshot
from readiness.audit.verify import Problem, Report, verify_chain, verify_organization

__all__ = [
    "Problem",
    "Report",
    "audit_at_end",
    "audit_record",
    "changed",
    "jsonable",
    "snapshot",
    "verify_chain",
    "verify_organization",
]
