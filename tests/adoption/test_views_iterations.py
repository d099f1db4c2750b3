"""The iteration log pages: add, edit, and the early window relative to go-live."""

from django.urls import reverse
from django.utils import timezone

from adoption.models import IterationEntry

TODAY = timezone.localdate


def url(name, org, **kw):
    return reverse(name, kwargs={"org": org.slug, **kw})


def test_iteration_log_add_edit_and_early_window(client, org, use_case, live_cohort, pm):
    client.force_login(pm)
    r = client.post(
        url("adoption_iteration_add", org, pk=use_case.pk),
        {"happened_on": str(TODAY()), "change": "Shorter drafts", "reason": "Too long"},
    )
    assert r.status_code == 302 and r["Location"].endswith("#iteration-log")
    entry = IterationEntry.objects.get()
    r = client.post(
        url("adoption_iteration_edit", org, pk=entry.pk),
        {
            "happened_on": str(TODAY()),
            "change": "Shorter drafts",
            "reason": "Too long",
            "outcome": "Fewer edits",
        },
    )
    assert r.status_code == 302
    page = client.get(url("adoption_usecase", org, pk=use_case.pk)).text
    assert "Fewer edits" in page and "days 1-30" in page
