"""The adoption API: thin over the services, scoped to the caller's organizations, in the schema."""

from django.urls import reverse
from django.utils import timezone

from adoption.models import Cohort, Feedback, IterationEntry, TrainingRecord, UsageBoundary

API = "/api/v1/adoption"


def test_cohort_create_go_live_refused_then_passes(client, org, use_case, pm, manager, member):
    client.force_login(pm)
    r = client.post(
        f"{API}/cohorts/",
        {
            "use_case": use_case.pk,
            "name": "Wave 1",
            "team": "Support",
            "size": 6,
            "managers": [manager.email],
            "members": [member.email.upper()],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    cohort_id = r.json()["id"]
    assert r.json()["managers"] == [{"email": manager.email, "name": "Morgan Lead"}]

    r = client.post(f"{API}/cohorts/{cohort_id}/go-live/", {}, content_type="application/json")
    assert r.status_code == 409
    codes = [b["code"] for b in r.json()["blockers"]]
    assert codes == ["adoption_manager_untrained", "adoption_no_boundaries"]
    assert "Morgan Lead" in r.json()["blockers"][0]["message"]

    r = client.post(
        f"{API}/training/",
        {
            "cohort": cohort_id,
            "user": manager.email,
            "topic": "Basics",
            "completed_on": str(timezone.localdate()),
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    r = client.post(
        f"{API}/boundaries/",
        {"use_case": use_case.pk, "body": "Draft only; a person sends."},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["version"] == 1
    r = client.post(f"{API}/cohorts/{cohort_id}/go-live/", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "live"

    client.force_login(member)
    body = {"cohort": cohort_id, "usefulness": 4, "trust": 3, "minutes_saved": 30}
    r = client.post(f"{API}/feedback/", body, content_type="application/json")
    assert r.status_code == 201, r.json()
    r = client.post(f"{API}/feedback/", {**body, "trust": 5}, content_type="application/json")
    assert r.status_code == 200 and r.json()["trust"] == 5
    assert Feedback.objects.count() == 1
    mine = client.get(f"{API}/feedback/").json()
    assert mine["count"] == 1


def test_bad_input_is_400_and_saves_nothing(client, org, use_case, pm, other_org):
    client.force_login(pm)
    r = client.post(
        f"{API}/cohorts/",
        {
            "use_case": use_case.pk,
            "name": "W",
            "team": "T",
            "size": 2,
            "managers": [other_org[1].email],
        },
        content_type="application/json",
    )
    assert r.status_code == 400 and "Not members of" in r.json()["managers"][0]
    r = client.post(f"{API}/cohorts/", {"name": "W"}, content_type="application/json")
    assert r.status_code == 400 and "use_case" in r.json()
    assert not Cohort.objects.exists()


def test_read_only_roles_get_403(client, org, use_case, viewer, cohort):
    client.force_login(viewer)
    r = client.post(
        f"{API}/iterations/",
        {"use_case": use_case.pk, "happened_on": "2026-01-01", "change": "c", "reason": "r"},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = client.post(f"{API}/cohorts/{cohort.pk}/go-live/", {}, content_type="application/json")
    assert r.status_code == 403
    assert client.get(f"{API}/cohorts/").json()["count"] == 1
    assert not IterationEntry.objects.exists()


def test_other_org_gets_404_and_empty_lists(client, org, use_case, live_cohort, pm, other_org):
    _, stranger, _ = other_org
    client.force_login(stranger)
    assert client.get(f"{API}/cohorts/").json()["count"] == 0
    assert client.get(f"{API}/boundaries/").json()["count"] == 0
    assert client.get(f"{API}/training/").json()["count"] == 0
    assert client.get(f"{API}/cohorts/{live_cohort.pk}/").status_code == 404
    r = client.post(f"{API}/cohorts/{live_cohort.pk}/go-live/", {}, content_type="application/json")
    assert r.status_code == 404
    r = client.post(
        f"{API}/boundaries/",
        {"use_case": use_case.pk, "body": "x"},
        content_type="application/json",
    )
    assert r.status_code == 404
    r = client.post(
        f"{API}/feedback/",
        {"cohort": live_cohort.pk, "usefulness": 1, "trust": 1, "minutes_saved": 0},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert UsageBoundary.objects.count() == 1 and not Feedback.objects.exists()
    assert TrainingRecord.objects.count() == 1


def test_acknowledge_and_iteration_update(client, org, use_case, pm, boundaries):
    client.force_login(pm)
    r = client.post(f"{API}/boundaries/{boundaries.pk}/acknowledge/")
    assert r.status_code == 204
    r = client.post(
        f"{API}/iterations/",
        {"use_case": use_case.pk, "happened_on": "2026-01-05", "change": "c", "reason": "r"},
        content_type="application/json",
    )
    assert r.status_code == 201
    r = client.patch(
        f"{API}/iterations/{r.json()['id']}/",
        {"outcome": "Better"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["outcome"] == "Better"


def test_schema_lists_the_adoption_endpoints(client, pm):
    client.force_login(pm)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/adoption/cohorts/",
        "/api/v1/adoption/cohorts/{id}/go-live/",
        "/api/v1/adoption/training/",
        "/api/v1/adoption/boundaries/",
        "/api/v1/adoption/feedback/",
        "/api/v1/adoption/iterations/",
    ):
        assert path in paths, path


def test_a_body_that_is_not_one_object_is_a_400_not_a_crash(client, org, use_case, pm):
    client.force_login(pm)
    for resource in ("cohorts", "training", "boundaries", "feedback", "iterations"):
        r = client.post(f"{API}/{resource}/", [1], content_type="application/json")
        assert r.status_code == 400, resource
        assert "JSON object" in str(r.json()), resource
