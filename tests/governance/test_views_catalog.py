"""The catalog pages: templates (org admins only) and framework coverage."""

from django.urls import reverse

from governance import services


def url(name, org, **kw):
    return reverse(name, kwargs={"org": org.slug, **kw})


def test_template_pages_admin_only(client, org, admin, pm):
    from governance.models import ChecklistTemplate

    builtin = ChecklistTemplate.objects.get(organization=None)
    client.force_login(pm)
    assert (
        client.post(url("governance_template_copy", org, pk=builtin.pk), {"name": "x"}).status_code
        == 403
    )
    client.force_login(admin)
    r = client.post(url("governance_template_copy", org, pk=builtin.pk), {"name": "Ours"})
    copy = ChecklistTemplate.objects.get(organization=org)
    assert r.status_code == 302 and copy.items.count() == 12
    r = client.post(
        url("governance_template_item_add", org, pk=copy.pk),
        {"area": "logging", "title": "", "guidance": "g", "gate_phase": "1", "required": "on"},
    )
    assert r.status_code == 400
    control = copy.items.first().controls.first()
    r = client.post(
        url("governance_template_item_add", org, pk=copy.pk),
        {
            "area": "logging",
            "title": "Log review weekly",
            "guidance": "g",
            "gate_phase": "2",
            "controls": [control.pk],
        },
    )
    assert r.status_code == 302
    assert copy.items.get(title="Log review weekly").controls.get() == control
    # Built-in templates cannot be edited, even by an admin.
    assert client.get(url("governance_template_item_add", org, pk=builtin.pk)).status_code == 403
    r = client.post(
        url("governance_controls", org),
        {"framework": "iso_42001", "identifier": "INT-7", "title": "Our own"},
    )
    assert r.status_code == 302


def test_coverage_shows_statement_of_applicability(client, org, reviewer, checklist, viewer):
    item = checklist.items.get(title="Data classification recorded")
    services.item_mark_not_applicable(actor=reviewer, item=item, reason="Only public data is used.")
    client.force_login(viewer)
    r = client.get(url("governance_coverage", org) + "?framework=eu_ai_act")
    assert r.status_code == 200
    assert b"Only public data is used." in r.content
    assert r.context["covered"] > 0
