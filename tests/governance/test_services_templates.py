"""Template services: copies are independent, only admins edit, built-ins are read-only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance import services
from governance.models import (
    ChecklistTemplate,
)
from tests.factories import make_use_case
from tests.governance.conftest import without_checklist


def test_editing_a_template_never_changes_checklists_in_use(org, admin, pm, use_case):
    copy = services.template_copy(
        actor=admin,
        organization=org,
        template=ChecklistTemplate.objects.get(organization=None),
        name="Ours",
    )
    services.template_set_default(actor=admin, template=copy)
    without_checklist(use_case)
    checklist = services.checklist_ensure(use_case=use_case, actor=admin)
    assert checklist.name == "Ours"
    first = copy.items.order_by("gate_phase", "position").first()
    services.template_item_save(
        actor=admin, template=copy, item=first, title="Renamed in the template"
    )
    services.template_item_save(
        actor=admin,
        template=copy,
        area="logging",
        title="New item",
        guidance="g",
        gate_phase=1,
        required=True,
    )
    titles = set(checklist.items.values_list("title", flat=True))
    assert "Renamed in the template" not in titles and "New item" not in titles
    later = make_use_case(org, pm)
    titles_later = set(later.governance_checklists.get().items.values_list("title", flat=True))
    assert {"Renamed in the template", "New item"} <= titles_later


def test_only_admins_edit_templates_and_builtins_are_read_only(org, admin, pm):
    builtin = ChecklistTemplate.objects.get(organization=None)
    with pytest.raises(PermissionDenied):
        services.template_update(actor=admin, template=builtin, name="Mine now")
    with pytest.raises(PermissionDenied):
        services.template_copy(actor=pm, organization=org, template=builtin, name="x")
    with pytest.raises(ValidationError) as exc:
        services.template_copy(actor=admin, organization=org, template=builtin, name="")
    assert "name" in exc.value.message_dict
