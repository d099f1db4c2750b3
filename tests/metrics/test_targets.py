"""Per-use-case targets, warning thresholds and baselines: the service, the page and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from metrics.models import MetricTarget
from metrics.services import metric_target_set
from readiness.models import AuditEvent, Role
from tests.factories import add_member
from tests.metrics.ingest_support import metric

pytestmark = pytest.mark.django_db


def _set(actor, use_case, key, target=None, warning=None, baseline=None):
    return metric_target_set(
        actor=actor,
        use_case=use_case,
        metric=metric(key),
        target=target,
        warning=warning,
        baseline=baseline,
    )


def test_set_change_and_clear_a_target_with_audit(pm, use_case):
    t = _set(pm, use_case, "acceptance_rate", 0.8, 0.7, 0.5)
    assert (t.target, t.warning, t.baseline) == (0.8, 0.7, 0.5)
    _set(pm, use_case, "acceptance_rate", 0.85, 0.7, 0.5)
    assert MetricTarget.objects.get().target == 0.85
    _set(pm, use_case, "acceptance_rate", 0.85, 0.7, 0.5)  # unchanged: no audit
    assert _set(pm, use_case, "acceptance_rate") is None
    assert not MetricTarget.objects.exists()
    events = AuditEvent.objects.filter(action="metrics.target.set").order_by("id")
    assert [e.after for e in events] == [
        {"metric": "acceptance_rate", "target": 0.8, "warning": 0.7, "baseline": 0.5},
        {"metric": "acceptance_rate", "target": 0.85},
        {"metric": "acceptance_rate", "target": None, "warning": None, "baseline": None},
    ]


@pytest.mark.parametrize(
    "key, values, field",
    [
        ("acceptance_rate", (1.5, None, None), "target"),  # a rate is a fraction
        ("acceptance_rate", (0.8, 0.9, None), "warning"),  # higher is better: warning below
        ("edit_rate", (0.2, 0.1, None), "warning"),  # lower is better: warning above
        ("throughput", (-5, None, None), "target"),
        ("latency_ms", (None, 3000, None), "warning"),  # a warning needs a target
        ("latency_ms", (float("nan"), None, None), "target"),
    ],
)
def test_inconsistent_targets_are_refused(pm, use_case, key, values, field):
    with pytest.raises(ValidationError) as exc:
        _set(pm, use_case, key, *values)
    assert field in exc.value.message_dict
    assert not MetricTarget.objects.exists()


def test_who_may_set_targets(org, use_case, role_member):
    role, user = role_member
    if role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER):
        _set(user, use_case, "latency_ms", 2000)
        assert MetricTarget.objects.count() == 1
    else:
        with pytest.raises(PermissionDenied):
            _set(user, use_case, "latency_ms", 2000)


def test_another_orgs_metric_cannot_be_targeted(admin, pm, use_case, other_org):
    from metrics.services import metric_definition_create

    other, other_admin, _ = other_org
    foreign = metric_definition_create(
        actor=other_admin, organization=other, key="their_metric", name="Theirs",
        level="business", kind="count", unit="x", direction="higher",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        metric_target_set(
            actor=pm, use_case=use_case, metric=foreign, target=1, warning=None, baseline=None
        )


# --- The page -------------------------------------------------------------------------------------


def targets_url(use_case):
    return reverse("metric_targets", kwargs={"org": use_case.organization.slug, "pk": use_case.pk})


def test_targets_page_takes_rates_in_percent(client, pm, use_case):
    client.force_login(pm)
    page = client.get(targets_url(use_case))
    assert page.status_code == 200
    assert "Acceptance rate target (%)" in page.text
    response = client.post(
        targets_url(use_case),
        {
            "acceptance_rate-target": "80",
            "acceptance_rate-warning": "70",
            "acceptance_rate-baseline": "",
            "latency_ms-target": "2000",
        },
    )
    assert response.status_code == 302
    values = dict(MetricTarget.objects.values_list("metric__key", "target"))
    assert values == {"acceptance_rate": pytest.approx(0.8), "latency_ms": 2000.0}
    again = client.get(targets_url(use_case))
    assert 'value="80.0"' in again.text or 'value="80"' in again.text


def test_targets_page_errors_save_nothing(client, pm, use_case):
    client.force_login(pm)
    response = client.post(
        targets_url(use_case),
        {
            "latency_ms-target": "2000",
            "acceptance_rate-target": "80",
            "acceptance_rate-warning": "90",
        },
    )
    assert response.status_code == 400
    assert "warning threshold must be at or below the target" in response.text
    assert not MetricTarget.objects.exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EXECUTIVE, Role.GOVERNANCE_REVIEWER])
def test_read_only_roles_see_targets_but_cannot_save(client, org, pm, use_case, role):
    _set(pm, use_case, "latency_ms", 2000)
    user = add_member(org, role)
    client.force_login(user)
    page = client.get(targets_url(use_case))
    assert page.status_code == 200
    assert "2000" in page.text
    assert "Save targets" not in page.text
    assert 'name="latency_ms-target"' not in page.text
    assert "Recompute roll-ups" not in page.text
    assert client.post(targets_url(use_case), {"latency_ms-target": "1"}).status_code == 403
    assert MetricTarget.objects.get().target == 2000


def test_targets_page_of_another_org_is_404(client, pm, other_org):
    client.force_login(pm)
    assert client.get(targets_url(other_org[2])).status_code == 404


# --- The API --------------------------------------------------------------------------------------


def test_targets_api(client, org, pm, viewer, use_case, other_org):
    client.force_login(pm)
    url = "/api/v1/metrics/targets/"
    body = {"use_case": use_case.pk, "metric": "acceptance_rate", "target": 0.8, "warning": 0.7}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "use_case": use_case.pk, "metric": "acceptance_rate", "target": 0.8, "warning": 0.7, "baseline": None, "version": 1,
    }  # fmt: skip
    assert client.get(url, {"use_case": use_case.pk}).json()[0]["metric"] == "acceptance_rate"
    assert client.get(url, {"use_case": "x"}).status_code == 400
    bad = client.post(url, {**body, "target": 2}, content_type="application/json")
    assert bad.status_code == 400 and "target" in bad.json()
    unknown = client.post(url, {**body, "metric": "nope"}, content_type="application/json")
    assert unknown.status_code == 400
    foreign = client.post(
        url, {**body, "use_case": other_org[2].pk}, content_type="application/json"
    )
    assert foreign.status_code == 404
    cleared = client.post(
        url, {"use_case": use_case.pk, "metric": "acceptance_rate"}, content_type="application/json"
    )
    assert cleared.status_code == 204
    client.force_login(viewer)
    assert client.post(url, body, content_type="application/json").status_code == 403
    _, other_admin, foreign_uc = other_org
    _set(other_admin, foreign_uc, "latency_ms", 10)
    assert all(t["use_case"] != foreign_uc.pk for t in client.get(url).json())
