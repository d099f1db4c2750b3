"""`manage.py release`: what runs once per deployment, before web, worker and beat start.

Applies the migrations, then loads the demo organization only when asked (``SEED_DEMO=1`` or
``--seed-demo``): a production database never gets the demo's users and their published
password by default. Last, creates the raw samples' month partitions that are missing (the
daily beat job does too; a deploy after a long pause needs them at once). Safe to run again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from metrics.ingestion.partitions import ensure_partitions


class Command(BaseCommand):
    help = "Apply migrations; load the demo organization only with SEED_DEMO=1 (or --seed-demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed-demo",
            action="store_true",
            help="load the demo organization (its users sign in with a published password)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=options["verbosity"])
        if options["seed_demo"] or settings.SEED_DEMO:
            self.stdout.write("Loading the demo organization (SEED_DEMO is set).")
            call_command("seed_demo")
        else:
            self.stdout.write("Demo data not loaded (set SEED_DEMO=1 to load it).")
        # After the demo too: its past months' samples move out of the default partition.
        created = ensure_partitions()
        if created:
            self.stdout.write(f"Sample partitions created: {', '.join(created)}.")
