"""Metric targets and definitions: ETags and If-Match (issue 10)."""

from __future__ import annotations

from metrics import services
from metrics.models import MetricDefinition, MetricTarget

TARGETS = "/api/v1/metrics/targets/"


def test_a_stale_target_write_is_412(client, org, pm, admin, use_case):
    client.force_login(pm)
    body = {"use_case": use_case.pk, "metric": "acceptance_rate", "target": 0.8, "warning": 0.7}
    created = client.post(TARGETS, body, content_type="application/json", HTTP_IF_MATCH='"0"')
    assert created.status_code == 200
    assert created["ETag"] == '"1"'
    metric = MetricDefinition.objects.get(key="acceptance_rate", organization__isnull=True)
    services.metric_target_set(
        actor=admin, use_case=use_case, metric=metric, target=0.9, warning=0.8, baseline=None
    )
    stale = client.post(
        TARGETS, {**body, "target": 0.85}, content_type="application/json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert MetricTarget.objects.get(use_case=use_case, metric=metric).target == 0.9
    # "0" says "I saw no target": one exists now.
    assert (
        client.post(TARGETS, body, content_type="application/json", HTTP_IF_MATCH='"0"').status_code
        == 412
    )


def test_a_stale_definition_patch_is_412(client, org, admin):
    client.force_login(admin)
    created = client.post(
        "/api/v1/metrics/definitions/",
        {
            "organization": org.slug,
            "key": "handle_time",
            "name": "Handle time",
            "kind": "measured",
            "level": "business",
            "unit": "s",
            "direction": "lower",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/metrics/definitions/{created.json()['id']}/"
    seen = client.get(url)
    assert client.patch(url, {"name": "Average handle time"}, content_type="application/json")
    stale = client.patch(
        url, {"name": "AHT"}, content_type="application/json", HTTP_IF_MATCH=seen["ETag"]
    )
    assert stale.status_code == 412
    assert MetricDefinition.objects.get(pk=created.json()["id"]).name == "Average handle time"
