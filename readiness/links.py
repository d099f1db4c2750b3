"""Fast links to a use case's pages, for pages that build several per row."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from readiness.models import Organization, UseCase

_SENTINEL = 987654321987
_patterns: dict[str, str] = {}


def org_pk_url(name: str, org: str, pk: int) -> str:
    """``reverse(name, kwargs={"org": org, "pk": pk})``, fast: dashboards build a few links per
    use case for every row, and Django's reverse costs tens of microseconds each. The URL is
    reversed once per (name, org) with a sentinel pk."""
    key = f"{name}\x00{org}"
    pattern = _patterns.get(key)
    if pattern is None:
        pattern = reverse(name, kwargs={"org": org, "pk": _SENTINEL})
        _patterns[key] = pattern
    return pattern.replace(str(_SENTINEL), str(pk))


def org_slugs(use_cases: Sequence[UseCase]) -> dict[int, str]:
    """Organization slug per use case id, without a query when ``organization`` is loaded
    (one query for the others)."""
    field = UseCase._meta.get_field("organization")
    slugs = {uc.pk: uc.organization.slug for uc in use_cases if field.is_cached(uc)}
    missing = {uc.organization_id for uc in use_cases if uc.pk not in slugs}
    if missing:
        by_org = dict(Organization.objects.filter(pk__in=missing).values_list("pk", "slug"))
        slugs.update({uc.pk: by_org[uc.organization_id] for uc in use_cases if uc.pk not in slugs})
    return slugs
