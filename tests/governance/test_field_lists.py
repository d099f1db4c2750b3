"""Field lists are defined once, in the services: the forms and serializers follow them."""

from governance import forms, serializers, services


def test_policy_form_and_serializer_carry_the_services_policy_fields():
    assert tuple(forms.PolicyForm.base_fields) == services.POLICY_FIELDS
    # A plain serializer declares its fields; it must declare exactly these, in this order.
    assert tuple(serializers.PolicySerializer().fields) == services.POLICY_FIELDS


def test_registry_and_template_item_fields():
    assert tuple(forms.ApprovedModelForm.base_fields) == services.REGISTRY_FIELDS
    registry = tuple(serializers.ApprovedModelSerializer().fields)
    assert registry == ("id", "organization", *services.REGISTRY_FIELDS, "expired")
    assert tuple(forms.TemplateItemForm.base_fields) == (*services.ITEM_EDIT_FIELDS, "controls")
    item = tuple(serializers.TemplateItemSerializer().fields)
    assert item == ("id", "version", *services.ITEM_FIELDS, "controls")
    assert set(serializers.TemplateItemUpdateSerializer().fields) == {
        *services.ITEM_EDIT_FIELDS,
        "controls",
    }
