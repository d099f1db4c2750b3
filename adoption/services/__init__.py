"""Every write of the adoption rollout: one keyword-only, atomic, audited function per action.

Role rules are in :mod:`adoption.access`. Bad input raises ValidationError naming the field and
what to fix; nothing is saved. A cohort's go-live is a small gate of its own: it refuses with
:class:`readiness.errors.GateRefused` listing every blocker (untrained managers by name; the
blockers are read by :func:`adoption.selectors.go_live_blockers`).
"""

from adoption.services.boundaries import usage_boundary_acknowledge, usage_boundary_publish
from adoption.services.cohorts import (
    COHORT_FIELDS,
    GO_LIVE_TARGET,
    cohort_create,
    cohort_go_live,
    cohort_update,
    training_record_add,
)
from adoption.services.feedback import FEEDBACK_FIELDS, feedback_reminders_send, feedback_submit
from adoption.services.iterations import (
    ITERATION_FIELDS,
    iteration_entry_add,
    iteration_entry_update,
)

__all__ = [
    "COHORT_FIELDS",
    "FEEDBACK_FIELDS",
    "GO_LIVE_TARGET",
    "ITERATION_FIELDS",
    "cohort_create",
    "cohort_go_live",
    "cohort_update",
    "feedback_reminders_send",
    "feedback_submit",
    "iteration_entry_add",
    "iteration_entry_update",
    "training_record_add",
    "usage_boundary_acknowledge",
    "usage_boundary_publish",
]
