"""The behavior spec page: versions, the diff between them, who may write."""

from readiness import services
from readiness.models import BehaviorSpecVersion
from tests.readiness.pages_support import url

SPEC = {
    "inputs": "Ticket text and customer tier",
    "output_format": "Queue name and a reply draft",
    "uncertainty_behavior": "Route to a human",
    "human_approval": "Every reply",
    "source_systems": "Zendesk",
    "acceptable_latency": "2 s",
}


# The behavior spec


def test_spec_first_version_and_new_versions(client, org, pm, use_case):
    client.force_login(pm)
    response = client.get(url("usecase_spec", org, use_case.pk))
    assert response.status_code == 200
    assert "No behavior spec yet." in response.content.decode()
    response = client.post(url("usecase_spec", org, use_case.pk), {**SPEC, "change_note": "First"})
    assert response.status_code == 302
    assert response.url == url("usecase_spec", org, use_case.pk)
    response = client.post(
        url("usecase_spec", org, use_case.pk),
        {**SPEC, "acceptable_latency": "1 s", "change_note": "Faster"},
        follow=True,
    )
    assert [v.version for v in BehaviorSpecVersion.objects.filter(use_case=use_case)] == [2, 1]
    html = response.content.decode()
    assert "Behavior spec saved as version 2." in html
    assert '<del class="diff-del">2</del><ins class="diff-ins">1</ins>' in html
    assert "Faster" in html and "First" in html


def test_spec_unchanged_save_is_a_form_error(client, org, pm, use_case):
    services.behavior_spec_save(actor=pm, use_case=use_case, **SPEC)
    client.force_login(pm)
    response = client.post(url("usecase_spec", org, use_case.pk), {**SPEC, "change_note": "again"})
    assert response.status_code == 400
    assert "Nothing changed since version 1." in response.context["form"].non_field_errors()
    assert BehaviorSpecVersion.objects.filter(use_case=use_case).count() == 1


def test_spec_may_be_written_field_by_field(client, org, pm, use_case):
    client.force_login(pm)
    response = client.post(url("usecase_spec", org, use_case.pk), {**SPEC, "inputs": ""})
    assert response.status_code == 302
    assert BehaviorSpecVersion.objects.get().inputs == ""


def test_spec_with_nothing_written_is_an_error(client, org, pm, use_case):
    client.force_login(pm)
    response = client.post(url("usecase_spec", org, use_case.pk), dict.fromkeys(SPEC, ""))
    assert response.status_code == 400
    assert "Write at least one field" in response.text
    assert not BehaviorSpecVersion.objects.exists()


def test_spec_diff_escapes_user_text(client, org, pm, use_case):
    services.behavior_spec_save(actor=pm, use_case=use_case, **SPEC)
    services.behavior_spec_save(
        actor=pm, use_case=use_case, **{**SPEC, "inputs": "Ticket <script>alert(1)</script>"}
    )
    client.force_login(pm)
    html = client.get(url("usecase_spec", org, use_case.pk)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_spec_compare_picks_a_version(client, org, pm, use_case):
    services.behavior_spec_save(actor=pm, use_case=use_case, **SPEC)
    services.behavior_spec_save(actor=pm, use_case=use_case, **{**SPEC, "inputs": "Alpha"})
    services.behavior_spec_save(actor=pm, use_case=use_case, **{**SPEC, "inputs": "Beta"})
    client.force_login(pm)
    response = client.get(url("usecase_spec", org, use_case.pk), {"compare": "2"})
    assert response.context["compare"].version == 2
    assert response.context["previous"].version == 1
    html = response.content.decode()
    assert "What changed in version 2" in html
    assert '<ins class="diff-ins">Alpha</ins>' in html
    response = client.get(url("usecase_spec", org, use_case.pk), {"compare": "junk"})
    assert response.context["compare"].version == 3


def test_spec_viewer_reads_but_cannot_write(client, org, pm, viewer, use_case, other_org):
    services.behavior_spec_save(actor=pm, use_case=use_case, **SPEC)
    client.force_login(viewer)
    response = client.get(url("usecase_spec", org, use_case.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zendesk" in html
    assert "Save new version" not in html
    response = client.post(url("usecase_spec", org, use_case.pk), {**SPEC, "inputs": "x"})
    assert response.status_code == 403
    assert BehaviorSpecVersion.objects.filter(use_case=use_case).count() == 1
    client.force_login(pm)
    assert client.get(url("usecase_spec", org, other_org[2].pk)).status_code == 404
    assert client.post(url("usecase_spec", org, other_org[2].pk), SPEC).status_code == 404
