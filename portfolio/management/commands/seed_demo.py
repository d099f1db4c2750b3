"""Fill the demo organization (slug ``demo``) with users of every role and use cases in every phase.

Safe to run twice: organizations, users and use cases are looked up by their natural keys
and only what is missing is created. It lives on the top floor because it runs every app's
demo module in order: readiness first (users, organization, use cases through their gates,
with governance signing each gate off first), then governance, metrics and adoption, then the
integrations and a past scale decision, which need what those recorded.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from adoption import demo as adoption_demo
from governance import demo as governance_demo
from metrics import demo as metrics_demo
from portfolio import demo as portfolio_demo
from portfolio import stored
from readiness import demo as readiness_demo
from readiness.models import UseCase


class Command(BaseCommand):
    help = "Create the demo organization (slug 'demo'), its users (password 'readiness-demo') and use cases."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's own activity (sign-offs, gates, incidents) notifies its demo users in the
        # app; their emails would only flood the console of `make run`, so they go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._seed()

    def _seed(self) -> None:
        # Every write marks its use case's stored readiness; judging each once at the end
        # instead of after each of some 700 writes keeps the seed as fast as it was.
        with stored.deferred():
            org = self._seed_records()
        stored.readiness_refresh(
            use_case_ids=UseCase.objects.filter(organization=org).values_list("pk", flat=True)
        )

    def _seed_records(self) -> Any:
        with transaction.atomic():
            users = readiness_demo.seed_users()
            org = readiness_demo.seed_organization(users)
        created = []
        for spec in readiness_demo.USE_CASES:
            if UseCase.objects.filter(organization=org, name=spec["name"]).exists():
                continue
            with transaction.atomic():
                created.append(
                    readiness_demo.seed_use_case(
                        org, users, spec, prepare_gate=governance_demo.prepare_gate
                    )
                )
        for app_demo in (governance_demo, metrics_demo, adoption_demo):
            app_demo.seed(organization=org, users=users, stdout=self.stdout)
        readiness_demo.seed_integrations(org, users)
        readiness_demo.seed_discussions(org, users)
        with transaction.atomic():
            readiness_demo.flag_late_workstreams(created, users)
        portfolio_demo.seed_scale_decisions(org, users, stdout=self.stdout)
        if created:
            with transaction.atomic():
                portfolio_demo.spread_notifications(org)
        total = len(readiness_demo.USE_CASES)
        self._report(org, len(users), created, total)
        return org

    def _report(self, org: Any, users: int, created: list[Any], total: int) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organization '{org.slug}' ready: {users} users, "
                f"{len(created)} use case(s) created, {total - len(created)} already there."
            )
        )
