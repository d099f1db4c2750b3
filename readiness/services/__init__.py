"""Every write in readiness goes through one of these functions (see each module)."""

from readiness.services.integrations import integration_delete, integration_save
from readiness.services.organizations import (
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_change_role,
    membership_remove,
    organization_create,
    workstream_template_update,
)
from readiness.services.scale import scale_decide
from readiness.services.use_cases import (
    behavior_spec_save,
    checklist_item_set_done,
    phase_transition,
    phase_update_dates,
    use_case_create,
    use_case_update,
    workstream_update,
)

__all__ = [
    "behavior_spec_save",
    "checklist_item_set_done",
    "integration_delete",
    "integration_save",
    "invitation_accept",
    "invitation_create",
    "invitation_revoke",
    "membership_change_role",
    "membership_remove",
    "organization_create",
    "phase_transition",
    "phase_update_dates",
    "scale_decide",
    "use_case_create",
    "use_case_update",
    "workstream_template_update",
    "workstream_update",
]
