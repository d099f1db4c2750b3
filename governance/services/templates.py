"""Org admins' writes: checklist templates and their items, framework tags, governance settings.

Editing a template never reaches a checklist already applied: checklists hold copies.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from governance.models import (
    ChecklistTemplate,
    Framework,
    FrameworkControl,
    TemplateItem,
)
from readiness.access import membership_of
from readiness.audit import audit_at_end, audit_record, changed, snapshot
from readiness.models import Organization, Perm, User
from readiness.versioning import check_version, lock_checked

# Field lists defined once: the forms, the serializers and the audit snapshots use these.
TEMPLATE_FIELDS = ("name", "description")
# What an org admin edits on a template item (the position is kept, or the next one on add).
ITEM_EDIT_FIELDS = ("area", "title", "guidance", "gate_phase", "required")
ITEM_FIELDS = (*ITEM_EDIT_FIELDS, "position")


def _own(template: ChecklistTemplate) -> Organization:
    if template.organization is None:
        raise PermissionDenied("Built-in templates cannot be changed; copy one instead.")
    return template.organization


def _unique_name(organization: Organization, name: str, exclude: int | None = None) -> None:
    taken = ChecklistTemplate.objects.filter(organization=organization, name__iexact=name)
    if exclude:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": f"A template called “{name}” already exists."})


@transaction.atomic
def template_copy(
    *, actor: User, organization: Organization, template: ChecklistTemplate, name: str
) -> ChecklistTemplate:
    """A new template of the organization with a copy of every item and its framework tags."""
    membership_of(actor, organization.pk, perm=Perm.ADMINISTER)
    if template.organization_id not in (None, organization.pk):
        raise ValidationError({"template": "Choose a built-in template or one of yours."})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the copy a name."})
    _unique_name(organization, name)
    copy = ChecklistTemplate(
        organization=organization,
        name=name,
        description=template.description,
        copied_from=template,
    )
    copy.full_clean(validate_constraints=False)
    copy.save()
    for item in template.items.prefetch_related("controls").order_by("gate_phase", "position"):
        new = TemplateItem.objects.create(
            template=copy, **{f: getattr(item, f) for f in ITEM_FIELDS}
        )
        new.controls.set(list(item.controls.all()))
    audit_record(
        actor=actor,
        organization=organization,
        action="governance.template_copy",
        target=copy,
        after={"name": name, "from": template.name},
    )
    return copy


@transaction.atomic
def template_update(
    *, actor: User, template: ChecklistTemplate, **fields: Any
) -> ChecklistTemplate:
    organization = _own(template)
    membership_of(actor, organization.pk, perm=Perm.ADMINISTER)
    template = ChecklistTemplate.objects.select_for_update(no_key=True, of=("self",)).get(
        pk=template.pk
    )
    before = snapshot(template, TEMPLATE_FIELDS)
    for key in TEMPLATE_FIELDS:
        if key in fields:
            setattr(template, key, (fields[key] or "").strip())
    template.full_clean(exclude=["organization"], validate_constraints=False)
    _unique_name(organization, template.name, exclude=template.pk)
    b, a = changed(before, snapshot(template, TEMPLATE_FIELDS))
    if a:
        template.save()
        audit_record(
            actor=actor,
            organization=organization,
            action="governance.template_update",
            target=template,
            before=b,
            after=a,
        )
    return template


@transaction.atomic
def template_set_default(*, actor: User, template: ChecklistTemplate) -> ChecklistTemplate:
    """Make this the template applied to the organization's use cases without a checklist."""
    organization = _own(template)
    membership_of(actor, organization.pk, perm=Perm.ADMINISTER)
    ChecklistTemplate.objects.select_for_update(no_key=True, of=("self",)).filter(
        organization=organization
    ).update(is_default=False)
    template.is_default = True
    template.save(update_fields=["is_default", "updated_at"])
    audit_record(
        actor=actor,
        organization=organization,
        action="governance.template_default",
        target=template,
        after={"default": template.name},
    )
    return template


@transaction.atomic
def template_item_save(
    *,
    actor: User,
    template: ChecklistTemplate,
    item: TemplateItem | None = None,
    controls: list[FrameworkControl] | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> TemplateItem:
    """Add an item to the template (``item`` None) or change one; ``controls`` sets its tags.
    With ``expected_version``, StaleVersion if the item changed since (nothing saved)."""
    organization = _own(template)
    membership_of(actor, organization.pk, perm=Perm.ADMINISTER)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    if item is not None and item.template_id != template.pk:
        raise ValidationError("The item belongs to another template.")
    if controls is not None:
        for control in controls:
            if control.organization_id not in (None, organization.pk):
                raise ValidationError(
                    {"controls": "Choose framework controls of this organization."}
                )
    creating = item is None
    if item is None:
        last = template.items.order_by("-position").values_list("position", flat=True).first()
        item = TemplateItem(template=template, position=(last or 0) + 1)
        before: dict[str, Any] = {}
    else:
        item = TemplateItem.objects.select_for_update(no_key=True, of=("self",)).get(pk=item.pk)
        check_version(item, expected_version)
        before = snapshot(item, ITEM_FIELDS)
        before["controls"] = sorted(str(c) for c in item.controls.all())
    for key, value in fields.items():
        setattr(item, key, value.strip() if isinstance(value, str) else value)
    item.full_clean(exclude=["template"], validate_constraints=False)
    item.save()
    if controls is not None:
        item.controls.set(controls)
    after = snapshot(item, ITEM_FIELDS)
    after["controls"] = sorted(str(c) for c in item.controls.all())
    b, a = changed(before, after)
    if a:
        template.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            organization=organization,
            action="governance.template_item_add"
            if creating
            else "governance.template_item_update",
            target=item,
            before=b or None,
            after=a,
        )
    return item


@transaction.atomic
@audit_at_end()  # recorded, then deleted: the record is appended last
def template_item_delete(
    *, actor: User, item: TemplateItem, expected_version: int | None = None
) -> None:
    """Remove an item from its template. With ``expected_version``, StaleVersion if it changed
    since (nothing removed)."""
    template = item.template
    organization = _own(template)
    membership_of(actor, organization.pk, perm=Perm.ADMINISTER)
    lock_checked(TemplateItem, item.pk, expected_version)
    audit_record(
        actor=actor,
        organization=organization,
        action="governance.template_item_delete",
        target=item,
        before=snapshot(item, ITEM_FIELDS),
    )
    item.delete()


@transaction.atomic
def framework_control_create(
    *, actor: User, organization: Organization, framework: str, identifier: str, title: str
) -> FrameworkControl:
    """An organization's own framework tag (for example an internal policy clause)."""
    membership_of(actor, organization.pk, perm=Perm.ADMINISTER)
    control = FrameworkControl(
        organization=organization,
        framework=framework,
        identifier=(identifier or "").strip(),
        title=(title or "").strip(),
    )
    control.full_clean(exclude=["organization"], validate_constraints=False)
    if framework not in Framework.values:
        raise ValidationError({"framework": "Choose a framework."})
    exists = (
        FrameworkControl.objects.filter(framework=framework, identifier__iexact=control.identifier)
        .filter(organization__isnull=True)
        .exists()
        or FrameworkControl.objects.filter(
            organization=organization, framework=framework, identifier__iexact=control.identifier
        ).exists()
    )
    if exists:
        raise ValidationError({"identifier": f"{control.identifier} is already in the catalog."})
    control.save()
    audit_record(
        actor=actor,
        organization=organization,
        action="governance.control_add",
        target=control,
        after={"framework": framework, "identifier": control.identifier, "title": control.title},
    )
    return control


@transaction.atomic
@audit_at_end()  # the organization is saved, then the record appended
def governance_settings_update(
    *, actor: User, organization: Organization, admins_may_sign_off: bool
) -> Organization:
    """Whether org admins may sign off governance items (stored on the organization, where
    ``Membership.can_sign_off`` reads it)."""
    membership_of(actor, organization.pk, perm=Perm.ADMINISTER)
    locked = Organization.objects.select_for_update(no_key=True, of=("self",)).get(
        pk=organization.pk
    )
    if locked.admins_may_sign_off != admins_may_sign_off:
        audit_record(
            actor=actor,
            organization=locked,
            action="governance.settings_update",
            target=locked,
            before={"admins_may_sign_off": locked.admins_may_sign_off},
            after={"admins_may_sign_off": admins_may_sign_off},
        )
        locked.admins_may_sign_off = admins_may_sign_off
        locked.save(update_fields=["admins_may_sign_off"])
    organization.admins_may_sign_off = admins_may_sign_off
    return locked
