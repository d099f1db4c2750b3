"""The discussion thread in the browser: posting (htmx and post/redirect/get), editing,
deleting, the permalink, the workstream item's page, scoping and the thread's query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from readiness import services
from readiness.models import ChecklistItem, Comment, Notification, Role
from tests.factories import add_member
from tests.readiness.pages_support import url


def post_url(org, key, pk):
    return url("comment_post", org, key, pk)


@pytest.fixture
def item(use_case):
    return ChecklistItem.objects.filter(workstream__use_case=use_case).order_by("pk").first()


def test_posting_without_javascript_redirects_to_the_thread_at_the_comment(
    client, org, use_case, pm, admin
):
    client.force_login(pm)
    answer = client.post(
        post_url(org, "use_case", use_case.pk),
        {"body": f"@{admin.email.split('@')[0]} <script>alert(1)</script>"},
    )
    comment = Comment.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"{url('usecase_detail', org, use_case.pk)}#comment-{comment.pk}"
    page = client.get(answer["Location"]).content.decode()
    assert f'id="comment-{comment.pk}"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert f'<span class="mention" title="{admin.email}">@{admin.display_name}</span>' in page


def test_posting_with_htmx_answers_the_thread_with_the_new_comment(client, org, use_case, pm):
    client.force_login(pm)
    answer = client.post(
        post_url(org, "use_case", use_case.pk), {"body": "Who signs?"}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200
    body = answer.content.decode()
    assert body.lstrip().startswith('<section class="card discussion" id="discussion"')
    assert "Who signs?" in body and "<html" not in body


def test_a_refused_post_shows_the_form_again_with_the_reason(client, org, use_case, pm):
    client.force_login(pm)
    answer = client.post(post_url(org, "use_case", use_case.pk), {"body": "bad \x0b tab"})
    assert answer.status_code == 400
    assert b"Control characters" in answer.content
    htmx = client.post(post_url(org, "use_case", use_case.pk), {"body": ""}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and b"errorlist" in htmx.content
    assert not Comment.objects.exists()


def test_a_viewer_sees_the_thread_without_a_form_and_may_not_post(
    client, org, use_case, pm, viewer
):
    services.comment_add(actor=pm, target=use_case, body="Status please")
    client.force_login(viewer)
    page = client.get(url("usecase_detail", org, use_case.pk)).content.decode()
    assert "Status please" in page and "Post comment" not in page
    answer = client.post(post_url(org, "use_case", use_case.pk), {"body": "Me too"})
    assert answer.status_code == 403
    assert Comment.objects.count() == 1


def test_another_organizations_records_and_comments_are_404(client, org, pm, other_org):
    other, other_admin, other_uc = other_org
    theirs = services.comment_add(actor=other_admin, target=other_uc, body="Private")
    client.force_login(pm)
    assert client.post(post_url(org, "use_case", other_uc.pk), {"body": "x"}).status_code == 404
    assert client.post(post_url(org, "no_such_kind", 1), {"body": "x"}).status_code == 404
    assert client.get(url("comment_show", org, theirs.pk)).status_code == 404
    assert client.get(url("comment_edit", org, theirs.pk)).status_code == 404
    assert client.post(url("comment_delete", org, theirs.pk)).status_code == 404
    assert client.post(url("comment_post", other, "use_case", other_uc.pk)).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_deleted


def test_editing_is_for_the_author_and_refuses_a_stale_form(client, org, use_case, pm, admin):
    comment = services.comment_add(actor=pm, target=use_case, body="First")
    client.force_login(admin)
    assert client.get(url("comment_edit", org, comment.pk)).status_code == 403
    assert client.post(url("comment_edit", org, comment.pk), {"body": "Hijack"}).status_code == 403
    client.force_login(pm)
    form = client.get(url("comment_edit", org, comment.pk))
    assert form.status_code == 200 and b"First" in form.content
    saved = client.post(url("comment_edit", org, comment.pk), {"body": "Second", "version": 1})
    assert saved.status_code == 302 and saved["Location"].endswith(f"#comment-{comment.pk}")
    stale = client.post(url("comment_edit", org, comment.pk), {"body": "Third", "version": 1})
    assert stale.status_code == 400 and b"changed since you opened it" in stale.content
    comment.refresh_from_db()
    assert comment.body == "Second"


def test_deleting_leaves_a_placeholder_in_the_thread(client, org, use_case, pm):
    comment = services.comment_add(actor=pm, target=use_case, body="Wrong thread")
    client.force_login(pm)
    answer = client.post(url("comment_delete", org, comment.pk), HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert b"Comment deleted" in answer.content and b"Wrong thread" not in answer.content


def test_the_permalink_reads_the_mention_and_opens_the_thread(client, org, use_case, pm, admin):
    comment = services.comment_add(
        actor=pm, target=use_case, body=f"@{admin.email.split('@')[0]} ok?"
    )
    client.force_login(admin)
    answer = client.get(url("comment_show", org, comment.pk))
    assert answer["Location"] == f"{url('usecase_detail', org, use_case.pk)}#comment-{comment.pk}"
    assert Notification.objects.get(recipient=admin, kind="mention").read_at is not None


def test_a_workstream_item_has_a_page_with_its_thread_for_every_member(
    client, org, use_case, pm, viewer, item
):
    services.comment_add(actor=pm, target=item, body="Which queue?")
    client.force_login(viewer)
    page = client.get(url("item_detail", org, item.pk))
    assert page.status_code == 200
    assert item.text.encode() in page.content and b"Which queue?" in page.content
    card = client.get(url("usecase_detail", org, use_case.pk)).content.decode()
    assert f'href="{url("item_detail", org, item.pk)}#discussion"' in card


def test_the_thread_query_count_does_not_grow_with_its_comments(client, org, use_case, pm, item):
    people = [add_member(org, Role.GOVERNANCE_REVIEWER) for _ in range(3)]
    services.comment_add(actor=pm, target=item, body="One")
    client.force_login(pm)
    client.get(url("item_detail", org, item.pk))  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("item_detail", org, item.pk)).status_code == 200
    for n, person in enumerate(people * 3):
        author = people[n % 3]
        services.comment_add(
            actor=author, target=item, body=f"Reply {n} @{person.email.split('@')[0]}"
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("item_detail", org, item.pk)).status_code == 200
    assert len(many) == len(few)


def test_the_edit_page_of_a_deleted_comment_sends_back_to_the_thread(client, org, use_case, pm):
    comment = services.comment_add(actor=pm, target=use_case, body="Gone")
    services.comment_delete(actor=pm, comment=comment)
    client.force_login(pm)
    answer = client.get(url("comment_edit", org, comment.pk))
    assert answer.status_code == 302
    assert answer["Location"] == f"{url('usecase_detail', org, use_case.pk)}#comment-{comment.pk}"


def test_the_discuss_link_counts_the_items_comments(client, org, use_case, pm, item):
    services.comment_add(actor=pm, target=item, body="One")
    services.comment_add(actor=pm, target=item, body="Two")
    gone = services.comment_add(actor=pm, target=item, body="Three")
    services.comment_delete(actor=pm, comment=gone)
    services.comment_add(actor=pm, target=use_case, body="Not on the item")
    client.force_login(pm)
    card = client.get(url("usecase_detail", org, use_case.pk)).content.decode()
    assert f'href="{url("item_detail", org, item.pk)}#discussion">2 comments<' in card
