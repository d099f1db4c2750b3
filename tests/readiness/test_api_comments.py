"""/api/v1/comments/: threads read and written through the API, scoped to the caller's
organizations, with ETags and If-Match on edits and deletions."""

import pytest

from readiness import services
from readiness.models import AuditEvent, ChecklistItem, Comment, Notification
from tests.readiness.api_support import client_for, count_list_queries

LIST = "/api/v1/comments/"


def detail(comment):
    return f"{LIST}{comment.pk}/"


def test_comment_on_a_use_case_and_read_its_thread(api, use_case, pm, admin):
    answer = api.post(
        LIST,
        {"target_type": "use_case", "target_id": use_case.pk, "body": f"Ready? @{admin.email}"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert answer["ETag"] == '"1"'
    assert body["target_type"] == "use_case" and body["target_id"] == use_case.pk
    assert body["author"] == pm.email and body["mentions"] == [admin.email]
    assert body["use_case"] == use_case.pk and body["deleted"] is False
    assert Notification.objects.filter(recipient=admin, kind="mention").count() == 1
    item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
    services.comment_add(actor=pm, target=item, body="On an item")
    thread = api.get(LIST, {"target_type": "use_case", "target_id": use_case.pk}).json()
    assert [c["body"] for c in thread["results"]] == [f"Ready? @{admin.email}"]
    everything = api.get(LIST, {"use_case": use_case.pk}).json()
    assert everything["count"] == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"target_type": "nope", "target_id": 1}, "target_type"),
        ({"target_type": "use_case"}, "target_id"),
        ({"target_id": "x"}, "target_id"),
        ({"use_case": "0"}, "use_case"),
    ],
)
def test_a_bad_filter_answers_400_naming_it(api, params, field):
    answer = api.get(LIST, params)
    assert answer.status_code == 400 and field in answer.json()


def test_bad_text_answers_400_and_saves_nothing(api, use_case):
    for body in ("", "   ", "a\x00b"):
        answer = api.post(
            LIST, {"target_type": "use_case", "target_id": use_case.pk, "body": body}, format="json"
        )
        assert answer.status_code == 400 and "body" in answer.json()
    assert not Comment.objects.exists()


def test_a_viewer_reads_but_may_not_comment(use_case, pm, viewer):
    services.comment_add(actor=pm, target=use_case, body="Hello")
    api = client_for(viewer)
    assert api.get(LIST).json()["count"] == 1
    answer = api.post(
        LIST, {"target_type": "use_case", "target_id": use_case.pk, "body": "Hi"}, format="json"
    )
    assert answer.status_code == 403


def test_another_organizations_comments_and_records_are_404(api, other_org):
    _, other_admin, other_uc = other_org
    theirs = services.comment_add(actor=other_admin, target=other_uc, body="Private")
    assert api.get(LIST).json()["count"] == 0
    assert api.get(detail(theirs)).status_code == 404
    assert api.patch(detail(theirs), {"body": "x"}, format="json").status_code == 404
    assert api.delete(detail(theirs)).status_code == 404
    answer = api.post(
        LIST, {"target_type": "use_case", "target_id": other_uc.pk, "body": "x"}, format="json"
    )
    assert answer.status_code == 404
    assert Comment.objects.count() == 1


def test_edit_with_if_match_and_a_stale_etag_answers_412(api, use_case, pm, admin):
    comment = services.comment_add(actor=pm, target=use_case, body="First")
    answer = api.patch(detail(comment), {"body": "Second"}, format="json", HTTP_IF_MATCH='"1"')
    assert answer.status_code == 200 and answer["ETag"] == '"2"'
    assert answer.json()["edited_at"] is not None
    stale = api.patch(detail(comment), {"body": "Third"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2 and "body" in stale.json()["changed_fields"]
    assert api.delete(detail(comment), HTTP_IF_MATCH='"1"').status_code == 412
    comment.refresh_from_db()
    assert comment.body == "Second" and not comment.is_deleted
    other = client_for(admin)
    assert other.patch(detail(comment), {"body": "Not mine"}, format="json").status_code == 403


def test_delete_keeps_the_comment_as_deleted_and_an_edit_then_answers_409(api, use_case, pm):
    comment = services.comment_add(actor=pm, target=use_case, body="Oops")
    assert api.delete(detail(comment), HTTP_IF_MATCH='"1"').status_code == 204
    shown = api.get(detail(comment)).json()
    assert shown["deleted"] is True and shown["body"] == ""
    assert api.patch(detail(comment), {"body": "Back"}, format="json").status_code == 409
    assert AuditEvent.objects.filter(action="comment.deleted").count() == 1


def test_the_list_runs_a_fixed_number_of_queries(api, use_case, pm, admin):
    services.comment_add(actor=pm, target=use_case, body=f"One @{admin.email}")
    few, _ = count_list_queries(api, LIST)
    for n in range(8):
        services.comment_add(actor=pm, target=use_case, body=f"More {n} @{admin.email}")
    many, count = count_list_queries(api, LIST)
    assert count == 9 and many == few


def test_the_schema_documents_the_comment_endpoints_and_their_errors(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    listing = schema["paths"]["/api/v1/comments/"]
    one = schema["paths"]["/api/v1/comments/{id}/"]
    assert {"get", "post"} <= set(listing) and {"get", "patch", "delete"} <= set(one)
    assert {"400", "403", "404"} <= set(listing["post"]["responses"])
    assert {"400", "403", "404", "409", "412"} <= set(one["patch"]["responses"])
    assert {"403", "404", "412"} <= set(one["delete"]["responses"])
    names = [p["name"] for p in one["patch"]["parameters"]]
    assert "If-Match" in names
    create = schema["components"]["schemas"]["CommentCreateRequest"]["properties"]
    ref = create["target_type"]["allOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["enum"]) == {
        "use_case",
        "checklist_item",
        "governance_item",
        "incident",
    }
