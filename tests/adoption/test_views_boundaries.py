"""The usage boundaries page: publishing shows the diff, unchanged text is refused, every
member acknowledges."""

from django.urls import reverse

from adoption.models import BoundaryAcknowledgement, UsageBoundary


def url(name, org, **kw):
    return reverse(name, kwargs={"org": org.slug, **kw})


def test_boundaries_publish_shows_the_diff(client, org, use_case, pm, boundaries):
    client.force_login(pm)
    r = client.post(
        url("adoption_boundaries", org, pk=use_case.pk),
        {"body": "Use it to draft replies.\nNever send unchecked drafts.", "change_note": "Drafts"},
    )
    assert r.status_code == 302
    page = client.get(url("adoption_boundaries", org, pk=use_case.pk)).text
    assert "What changed in version 2" in page
    assert '<del class="diff-del">.</del>' in page or "diff-ins" in page
    assert '<ins class="diff-ins"> drafts.</ins>' in page or "drafts" in page
    first = client.get(url("adoption_boundaries", org, pk=use_case.pk) + "?compare=1").text
    assert "nothing earlier to compare" in first


def test_boundaries_unchanged_text_is_refused(client, org, use_case, pm, boundaries):
    client.force_login(pm)
    r = client.post(url("adoption_boundaries", org, pk=use_case.pk), {"body": boundaries.body})
    assert r.status_code == 400
    assert "Nothing changed since version 1" in r.text
    assert UsageBoundary.objects.count() == 1


def test_any_member_acknowledges(client, org, use_case, viewer, boundaries):
    client.force_login(viewer)
    r = client.post(url("adoption_boundary_acknowledge", org, pk=use_case.pk), {"version": 1})
    assert r.status_code == 302
    assert BoundaryAcknowledgement.objects.filter(user=viewer).exists()
    page = client.get(url("adoption_boundaries", org, pk=use_case.pk)).text
    assert "You confirmed reading version 1" in page
    bad = client.post(url("adoption_boundary_acknowledge", org, pk=use_case.pk), {"version": 9})
    assert bad.status_code == 404
