from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from readiness.audit import verify_chain
from readiness.models import Organization


class Command(BaseCommand):
    help = (
        "Walk each organization's hash-chained audit trail and report any event edited or removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="Only this organization's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        orgs = Organization.objects.all()
        if options["org"]:
            orgs = orgs.filter(slug=options["org"])
            if not orgs.exists():
                raise CommandError(f"No organization with slug {options['org']!r}")
        broken = 0
        for org in orgs:
            problems = verify_chain(org)
            if problems:
                broken += 1
                self.stderr.write(f"{org.slug}: {len(problems)} problem(s)")
                for p in problems:
                    self.stderr.write(f"  {p}")
            else:
                self.stdout.write(f"{org.slug}: intact")
        if broken:
            raise CommandError(f"{broken} organization(s) with a broken audit chain")
