"""Every write in governance goes through one of these functions (see each module).

Each is keyword-only, checks the actor's role (:mod:`governance.access`), validates, changes
the data and writes the audit record in one transaction, and raises ValidationError (by field),
PermissionDenied or readiness.errors.Conflict.
"""

from governance.services.checklists import (
    checklist_apply,
    checklist_ensure,
    gate_rereview,
)
from governance.services.expiry import evidence_expire, evidence_expire_due
from governance.services.items import (
    evidence_submit,
    evidence_withdraw,
    item_assign,
    item_mark_not_applicable,
    item_reopen,
    item_sign_off,
)
from governance.services.records import (
    POLICY_FIELDS,
    REGISTRY_FIELDS,
    approved_model_save,
    incident_open,
    incident_review,
    incident_update,
    policy_update,
)
from governance.services.templates import (
    ITEM_EDIT_FIELDS,
    ITEM_FIELDS,
    TEMPLATE_FIELDS,
    framework_control_create,
    governance_settings_update,
    template_copy,
    template_item_delete,
    template_item_save,
    template_set_default,
    template_update,
)

__all__ = [
    "ITEM_EDIT_FIELDS",
    "ITEM_FIELDS",
    "POLICY_FIELDS",
    "REGISTRY_FIELDS",
    "TEMPLATE_FIELDS",
    "approved_model_save",
    "checklist_apply",
    "checklist_ensure",
    "evidence_expire",
    "evidence_expire_due",
    "evidence_submit",
    "evidence_withdraw",
    "framework_control_create",
    "gate_rereview",
    "governance_settings_update",
    "incident_open",
    "incident_review",
    "incident_update",
    "item_assign",
    "item_mark_not_applicable",
    "item_reopen",
    "item_sign_off",
    "policy_update",
    "template_copy",
    "template_item_delete",
    "template_item_save",
    "template_set_default",
    "template_update",
]
