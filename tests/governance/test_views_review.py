"""The review pages (queue, a use case's checklists, one item): the role matrix, 404 across
organizations, bad input, uploads, downloads, and the queue's constant number of queries."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance import services
from governance.models import Evidence, GovernanceItem, ItemStatus, SignOff
from readiness.models import Role
from tests.factories import add_member, make_use_case
from tests.governance.conftest import submit


def url(name, org, **kw):
    return reverse(name, kwargs={"org": org.slug, **kw})


SIGN_OFF_ROLES = {Role.GOVERNANCE_REVIEWER}


SUBMIT_ROLES = {Role.ORG_ADMIN, Role.PROGRAM_MANAGER}


def test_sign_off_role_matrix(client, org, item, pm, role_member):
    role, user = role_member
    submit(item, pm)
    client.force_login(user)
    r = client.post(
        url("governance_sign_off", org, pk=item.pk), {"decision": "approved", "comment": "ok"}
    )
    item.refresh_from_db()
    if role in SIGN_OFF_ROLES:
        assert r.status_code == 302 and item.status == ItemStatus.APPROVED
    else:
        assert r.status_code == 403 and item.status == ItemStatus.SUBMITTED
    page = client.get(url("governance_item", org, pk=item.pk))
    assert page.status_code == 200
    assert (b"Record decision" in page.content) is False  # decided (or never allowed)


def test_sign_off_form_shown_only_to_reviewers(client, org, item, pm, role_member):
    role, user = role_member
    submit(item, pm)
    client.force_login(user)
    page = client.get(url("governance_item", org, pk=item.pk))
    assert (b"Record decision" in page.content) == (role in SIGN_OFF_ROLES)
    assert (b"Submit for review" in page.content) == (role in SUBMIT_ROLES)


def test_evidence_role_matrix(client, org, item, role_member):
    role, user = role_member
    client.force_login(user)
    r = client.post(
        url("governance_evidence_add", org, pk=item.pk),
        {"kind": "text", "text": "The owner confirmed.", "effective_date": "2026-01-01"},
    )
    assert r.status_code == (302 if role in SUBMIT_ROLES else 403)
    assert Evidence.objects.exists() == (role in SUBMIT_ROLES)


def test_other_org_reviewer_sees_nothing(client, org, item, pm, other_org):
    other, _, _ = other_org

    stranger = add_member(other, Role.GOVERNANCE_REVIEWER)
    evidence = submit(item, pm)
    client.force_login(stranger)
    for path in (
        url("governance_item", org, pk=item.pk),
        url("governance_usecase", org, pk=item.checklist.use_case_id),
        url("governance_queue", org),
        reverse("governance_item", kwargs={"org": other.slug, "pk": item.pk}),
        reverse("governance_evidence_download", kwargs={"org": other.slug, "pk": evidence.pk}),
    ):
        assert client.get(path).status_code == 404, path
    r = client.post(
        reverse("governance_sign_off", kwargs={"org": other.slug, "pk": item.pk}),
        {"decision": "approved", "comment": "x"},
    )
    assert r.status_code == 404
    assert not SignOff.objects.exists()


def test_sign_off_bad_input_and_conflict(client, org, item, pm, reviewer, reviewer2):
    submit(item, pm)
    client.force_login(reviewer)
    r = client.post(
        url("governance_sign_off", org, pk=item.pk), {"decision": "approved", "comment": ""}
    )
    assert r.status_code == 400 and b"This field is required" in r.content
    services.item_sign_off(actor=reviewer2, item=item, decision="rejected", comment="first")
    r = client.post(
        url("governance_sign_off", org, pk=item.pk), {"decision": "approved", "comment": "late"}
    )
    assert r.status_code == 409
    assert "no longer awaiting review" in r.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.REJECTED


def test_upload_limits_and_download_permission(client, org, item, pm, viewer, settings, other_org):
    settings.GOVERNANCE_EVIDENCE_MAX_BYTES = 100
    client.force_login(pm)
    add = url("governance_evidence_add", org, pk=item.pk)
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 200)
    r = client.post(add, {"kind": "file", "file": big, "effective_date": "2026-01-01"})
    assert r.status_code == 400 and b"the limit is" in r.content
    exe = SimpleUploadedFile("run.exe", b"MZ")
    r = client.post(add, {"kind": "file", "file": exe, "effective_date": "2026-01-01"})
    assert r.status_code == 400 and b"not accepted" in r.content
    assert not Evidence.objects.exists()
    ok = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\nrest")
    assert (
        client.post(add, {"kind": "file", "file": ok, "effective_date": "2026-01-01"}).status_code
        == 302
    )
    evidence = Evidence.objects.get()
    client.force_login(viewer)  # any member may download ...
    r = client.get(url("governance_evidence_download", org, pk=evidence.pk))
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith('attachment; filename="scan.png"')
    assert r["X-Content-Type-Options"] == "nosniff"
    assert b"".join(r.streaming_content) == b"\x89PNG\r\n\x1a\nrest"
    client.force_login(other_org[1])  # ... nobody else
    assert client.get(url("governance_evidence_download", org, pk=evidence.pk)).status_code == 404
    client.logout()
    assert client.get(url("governance_evidence_download", org, pk=evidence.pk)).status_code == 302


def test_governance_page_applies_default_checklist_once(client, org, use_case, viewer):
    client.force_login(viewer)
    r = client.get(url("governance_usecase", org, pk=use_case.pk))
    assert r.status_code == 200
    assert use_case.governance_checklists.count() == 1
    client.get(url("governance_usecase", org, pk=use_case.pk))
    assert use_case.governance_checklists.count() == 1
    assert b"Phase 1 gate" in r.content


def _queue_items(org, pm, n):
    for _ in range(n):
        uc = make_use_case(org, pm)
        for it in GovernanceItem.objects.filter(checklist__use_case=uc, gate_phase=1):
            submit(it, pm)


def test_queue_lists_oldest_first_and_runs_constant_queries(client, org, pm, reviewer):
    client.force_login(reviewer)
    _queue_items(org, pm, 1)
    with CaptureQueriesContext(connection) as small:
        r = client.get(url("governance_queue", org))
    assert r.status_code == 200
    _queue_items(org, pm, 4)
    with CaptureQueriesContext(connection) as large:
        r = client.get(url("governance_queue", org))
    assert len(r.context["page"].object_list) == 20
    assert len(large.captured_queries) == len(small.captured_queries)
    stamps = [i.submitted_at for i in r.context["page"].object_list]
    assert stamps == sorted(stamps)


def test_queue_filters_and_hides_own_evidence(
    client, org, pm, reviewer, admin, use_case, checklist
):
    items = list(
        GovernanceItem.objects.filter(checklist=checklist, gate_phase=1).order_by("position")
    )
    for it in items:
        submit(it, pm)
    services.item_assign(actor=pm, item=items[0], assigned_reviewer=reviewer, due_date=None)
    client.force_login(reviewer)
    assert len(client.get(url("governance_queue", org)).context["page"].object_list) == 4
    mine = client.get(url("governance_queue", org) + "?assigned=me").context["page"].object_list
    assert [i.pk for i in mine] == [items[0].pk]
    area = client.get(url("governance_queue", org) + "?area=logging").context["page"].object_list
    assert [i.area for i in area] == ["logging"]
    assert (
        client.get(url("governance_queue", org) + "?phase=9").status_code == 200
    )  # bad filter ignored
    services.governance_settings_update(actor=admin, organization=org, admins_may_sign_off=True)
    submit(items[1], admin)
    client.force_login(admin)
    shown = [i.pk for i in client.get(url("governance_queue", org)).context["page"].object_list]
    assert items[1].pk not in shown and items[0].pk in shown
