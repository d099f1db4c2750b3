from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from readiness.models import Organization
from readiness.services.audit import audit_checkpoint_all


class Command(BaseCommand):
    help = (
        "Sign each organization's audit chain head now and append it to AUDIT_CHECKPOINT_DIR "
        "and the database (the beat job does this every hour). The records since the last "
        "checkpoint are verified first; a broken chain gets no checkpoint and a non-zero exit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="Only this organization's slug")
        parser.add_argument(
            "--checkpoint-dir", type=Path, help="Write here instead of AUDIT_CHECKPOINT_DIR"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        orgs = Organization.objects.order_by("pk")
        if options["org"]:
            orgs = orgs.filter(slug=options["org"])
            if not orgs.exists():
                raise CommandError(f"No organization with slug {options['org']!r}")
        try:
            run = audit_checkpoint_all(
                organizations=list(orgs), directory=options["checkpoint_dir"]
            )
        except OSError as exc:
            raise CommandError(f"Cannot write the checkpoint: {exc}") from exc
        slugs = {o.pk: o.slug for o in orgs}
        for checkpoint in run.written:
            self.stdout.write(
                f"{slugs[checkpoint.organization]}: record {checkpoint.sequence} "
                f"{checkpoint.head[:16]}… signed at {checkpoint.at}"
            )
        for broken in run.broken:
            self.stderr.write(str(broken))
        if run.broken:
            raise CommandError(
                f"{len(run.broken)} organization(s) not checkpointed: their chain is broken "
                "(run audit_verify)"
            )
