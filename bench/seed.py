"""Seeding the benchmark database: organizations, people and use cases through the services,
bulk data (samples, roll-ups) through SQL.

Organizations, memberships, use cases and API tokens go through the same services the pages
use (audited, with their workstreams, plans and governance checklists). Volumes that the
services would take minutes to write (millions of samples, hundreds of thousands of roll-ups)
are written with one ``INSERT ... SELECT generate_series`` each: the benchmark measures reading
and rolling them up, not seeding them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    from readiness.models import Organization, User

PASSWORD = "bench-not-a-real-password"  # noqa: S105 (throwaway database, never served publicly)


@dataclass
class Tenant:
    organization: Organization
    admin: User
    executive: User
    use_case_ids: list[int]


def tenant_create(slug: str, name: str, *, use_cases: int = 0) -> Tenant:
    """An organization with an org admin and an executive, and ``use_cases`` use cases."""
    from readiness.models import Membership, Role, User
    from readiness.services.organizations import organization_create

    admin = User.objects.create_user(email=f"admin@{slug}.bench.example", password=PASSWORD)
    executive = User.objects.create_user(email=f"exec@{slug}.bench.example", password=PASSWORD)
    organization = organization_create(user=admin, name=name, slug=slug)
    # The membership service is invitation-based (email round trip); the seed adds it directly.
    Membership.objects.create(organization=organization, user=executive, role=Role.EXECUTIVE)
    tenant = Tenant(organization=organization, admin=admin, executive=executive, use_case_ids=[])
    use_cases_create(tenant, use_cases)
    return tenant


def use_cases_create(tenant: Tenant, count: int, *, start: int = 0) -> list[int]:
    """Create ``count`` use cases with ``use_case_create`` (each with its seven workstreams,
    three phases and checklists, audited), and spread them over the phases and statuses."""
    from readiness.models import RiskTier, UseCase, UseCaseStatus
    from readiness.services.use_cases import use_case_create

    tiers = [RiskTier.LOW, RiskTier.MEDIUM, RiskTier.HIGH]
    today = dt.date.today()
    ids = []
    for i in range(start, start + count):
        use_case = use_case_create(
            actor=tenant.admin,
            organization=tenant.organization,
            name=f"Use case {i + 1:04d}",
            workflow="Drafts replies to routine customer requests for an agent to approve.",
            team=f"Team {i % 12 + 1}",
            target_outcome="Cut the median handling time of routine requests by a third.",
            risk_tier=tiers[i % 3],
            start_date=today - dt.timedelta(days=i % 120),
            repetition=1 + i % 5,
            clear_handoffs=1 + (i // 5) % 5,
            cost_of_delay=1 + (i // 25) % 5,
            knowledge_lookup=1 + (i // 2) % 5,
            reviewability=1 + (i // 3) % 5,
            politically_sensitive=i % 7 == 0,
        )
        ids.append(use_case.pk)
    # A portfolio in every state: the pages must not be measured on pilots only. Seed data,
    # so a direct update (no audit records) rather than a gate transition per use case.
    statuses = [
        (1, UseCaseStatus.PILOT),
        (2, UseCaseStatus.IN_TRANSITION),
        (3, UseCaseStatus.PRODUCTION),
        (3, UseCaseStatus.SCALED),
    ]
    for offset, (phase, status) in enumerate(statuses):
        UseCase.objects.filter(pk__in=ids[offset :: len(statuses)]).update(
            current_phase=phase, status=status
        )
    tenant.use_case_ids.extend(ids)
    return ids


def metric_ids(keys: list[str]) -> dict[str, tuple[int, str]]:
    """Built-in metrics by key: (id, kind)."""
    from metrics.models import MetricDefinition

    found = {
        key: (pk, kind)
        for key, pk, kind in MetricDefinition.objects.filter(
            organization__isnull=True, key__in=keys
        ).values_list("key", "id", "kind")
    }
    missing = sorted(set(keys) - set(found))
    if missing:
        from bench.database import BenchError

        raise BenchError(f"Built-in metrics missing from the catalog: {', '.join(missing)}")
    return found


# Rates drawn between these bounds: (lowest, span).
RATE_RANGES = {"acceptance_rate": (0.55, 0.42), "error_rate": (0.005, 0.06)}
# Targets and baselines per metric key: (target, warning, baseline), in the metric's unit.
TARGETS = {
    "latency_ms": (800.0, 1200.0, 2500.0),
    "acceptance_rate": (0.85, 0.75, 0.60),
    "error_rate": (0.02, 0.05, 0.08),
    "throughput": (400.0, 300.0, 150.0),
}


def targets_and_rollups_create(
    use_case_ids: list[int], *, metrics: dict[str, tuple[int, str]], days: int = 90
) -> int:
    """Targets for every use case and metric, and daily (``days`` of them, ending yesterday) and
    weekly roll-ups, with figures that drift by use case and day so statuses vary. Returns the
    number of roll-up rows written."""
    from metrics.models import MetricTarget

    MetricTarget.objects.bulk_create(
        MetricTarget(
            use_case_id=uc,
            metric_id=metrics[key][0],
            target=TARGETS[key][0],
            warning=TARGETS[key][1],
            baseline=TARGETS[key][2],
        )
        for uc in use_case_ids
        for key in metrics
        if key in TARGETS
    )
    ids = [m[0] for m in metrics.values()]
    kinds = [m[1] for m in metrics.values()]
    rate_low = [RATE_RANGES.get(key, (0.5, 0.45))[0] for key in metrics]
    rate_span = [RATE_RANGES.get(key, (0.5, 0.45))[1] for key in metrics]
    last = dt.date.today() - dt.timedelta(days=1)
    first = last - dt.timedelta(days=days - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO metrics_rollup (use_case_id, metric_id, period, period_start, count,
                days, sum, min, max, mean, p50, p95, p99, successes, trials, rate, ci_low,
                ci_high, computed_at)
            SELECT uc, m.id, p.period, p.start, 500,
                CASE WHEN p.period = 'day' THEN 1 ELSE 7 END,
                CASE WHEN m.kind = 'rate' THEN NULL ELSE 500 * f.v END,
                CASE WHEN m.kind = 'measured' THEN 0.2 * f.v END,
                CASE WHEN m.kind = 'measured' THEN 4 * f.v END,
                CASE WHEN m.kind = 'rate' THEN NULL ELSE f.v END,
                CASE WHEN m.kind = 'measured' THEN f.v END,
                CASE WHEN m.kind = 'measured' THEN 2 * f.v END,
                CASE WHEN m.kind = 'measured' THEN 3 * f.v END,
                CASE WHEN m.kind = 'rate' THEN round(500 * f.r) END,
                CASE WHEN m.kind = 'rate' THEN 500 END,
                CASE WHEN m.kind = 'rate' THEN f.r END,
                CASE WHEN m.kind = 'rate' THEN greatest(f.r - 0.04, 0) END,
                CASE WHEN m.kind = 'rate' THEN least(f.r + 0.04, 1) END,
                now()
            FROM unnest(%(uc)s::bigint[]) AS uc
            CROSS JOIN unnest(%(ids)s::bigint[], %(kinds)s::text[], %(rate_low)s::float8[],
                %(rate_span)s::float8[]) AS m(id, kind, low, span)
            CROSS JOIN (
                SELECT 'day' AS period, d::date AS start
                FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS d
                UNION ALL
                SELECT 'week', w::date
                FROM generate_series(date_trunc('week', %(first)s::date),
                                     %(last)s::date, interval '1 week') AS w
            ) AS p
            CROSS JOIN LATERAL (
                SELECT
                    -- measured and counts: a level per use case, with a slow drift and noise
                    (300 + (uc %% 17) * 60) * (1 + 0.002 * (p.start - %(first)s::date))
                        * (0.9 + 0.2 * abs(sin(uc * 7 + (p.start - %(first)s::date)))) AS v,
                    -- rates: within the metric's range
                    m.low + m.span * abs(sin(uc * 3 + m.id + (p.start - %(first)s::date) / 9.0))
                        AS r
            ) AS f
            """,
            {
                "uc": use_case_ids,
                "ids": ids,
                "kinds": kinds,
                "rate_low": rate_low,
                "rate_span": rate_span,
                "first": first,
                "last": last,
            },
        )
        written = int(cursor.rowcount)
    readiness_changed(use_case_ids)
    return written


def readiness_changed(use_case_ids: list[int]) -> None:
    """Say that these use cases' targets and roll-ups changed, as the services and the roll-up
    job do (the seed wrote them in SQL): their stored readiness is marked stale and, with no
    broker, judged again at once (portfolio.stored)."""
    from django.db import transaction

    from readiness import events

    with transaction.atomic():
        events.publish(
            events.UseCasesChanged(
                organization_id=None,
                use_case_ids=tuple(use_case_ids),
                action="bench.seed",
            )
        )
