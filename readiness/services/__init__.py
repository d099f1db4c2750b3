"""Every write in readiness goes through one of these functions (see each module)."""

from readiness.services.audit import audit_checkpoint_all, audit_checkpoint_create
from readiness.services.comments import comment_add, comment_delete, comment_edit
from readiness.services.emails import invitation_email_send, notification_email_send
from readiness.services.integrations import integration_delete, integration_save
from readiness.services.notifications import (
    email_kinds,
    notification_preferences_set,
    notifications_mark_read,
)
from readiness.services.organizations import (
    invitation_accept,
    invitation_create,
    invitation_join,
    invitation_revoke,
    membership_change_role,
    membership_remove,
    organization_create,
    organization_set_mfa_required,
    workstream_template_update,
)
from readiness.services.reminders import due_reminders_send
from readiness.services.transitions import phase_transition
from readiness.services.use_cases import (
    behavior_spec_save,
    phase_update_dates,
    use_case_create,
    use_case_update,
)
from readiness.services.workstreams import (
    checklist_item_change,
    checklist_item_set_done,
    checklist_item_update,
    workstream_facts_refresh,
    workstream_update,
)

__all__ = [
    "audit_checkpoint_all",
    "audit_checkpoint_create",
    "behavior_spec_save",
    "checklist_item_change",
    "checklist_item_set_done",
    "checklist_item_update",
    "comment_add",
    "comment_delete",
    "comment_edit",
    "due_reminders_send",
    "email_kinds",
    "integration_delete",
    "integration_save",
    "invitation_accept",
    "invitation_create",
    "invitation_email_send",
    "invitation_join",
    "invitation_revoke",
    "membership_change_role",
    "membership_remove",
    "notification_email_send",
    "notification_preferences_set",
    "notifications_mark_read",
    "organization_create",
    "organization_set_mfa_required",
    "phase_transition",
    "phase_update_dates",
    "use_case_create",
    "use_case_update",
    "workstream_facts_refresh",
    "workstream_template_update",
    "workstream_update",
]
