"""The policy and incident pages."""

from django.urls import reverse


def url(name, org, **kw):
    return reverse(name, kwargs={"org": org.slug, **kw})


def test_policy_form_bad_input(client, org, use_case, pm, viewer):
    client.force_login(viewer)
    assert client.post(url("governance_policy", org, pk=use_case.pk), {}).status_code == 403
    client.force_login(pm)
    r = client.post(
        url("governance_policy", org, pk=use_case.pk),
        {
            "data_classification": "internal",
            "logging_policy": "full",
            "retention_days": "0",
            "review_below_confidence": "1.5",
            "incident_above_escalation_rate": "0.2",
            "provider": "x",
        },
    )
    assert r.status_code == 400
    assert not hasattr(use_case, "governance_policy") or use_case.governance_policy is None


def test_incident_pages(client, org, use_case, pm, viewer):
    client.force_login(viewer)
    assert client.get(url("governance_incident_create", org)).status_code == 403
    client.force_login(pm)
    r = client.post(
        url("governance_incident_create", org),
        {"use_case": use_case.pk, "title": "", "severity": "low", "description": "d"},
    )
    assert r.status_code == 400
    r = client.post(
        url("governance_incident_create", org),
        {
            "use_case": use_case.pk,
            "title": "Bad output",
            "severity": "critical",
            "description": "d",
        },
    )
    assert r.status_code == 302
    page = client.get(r["Location"])
    assert b"cannot pass any gate" in page.content
