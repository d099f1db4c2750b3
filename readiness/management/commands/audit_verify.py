import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from readiness.audit import Report, verify_organization
from readiness.audit.checkpoints import directory
from readiness.audit.verify import verify_export
from readiness.models import Organization


class Command(BaseCommand):
    help = (
        "Verify each organization's audit chain: every record against its keyed hash and the "
        "record before it, the chain head, and every signed checkpoint in AUDIT_CHECKPOINT_DIR "
        "and the database (and in the log files given). Names the first broken or missing "
        "record; exits non-zero when anything is wrong. With --export, checks a JSON export."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="Only this organization's slug")
        parser.add_argument(
            "--checkpoint-dir",
            type=Path,
            help="Where the checkpoint files are (default: AUDIT_CHECKPOINT_DIR)",
        )
        parser.add_argument(
            "--checkpoints",
            type=Path,
            action="append",
            default=[],
            metavar="FILE",
            help="Also check against the signed heads in this log or JSONL file (repeatable)",
        )
        parser.add_argument(
            "--export", type=Path, metavar="FILE", help="Verify a JSON audit export instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for path in [*options["checkpoints"], *([options["export"]] if options["export"] else [])]:
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
        if options["export"]:
            try:
                data = json.loads(options["export"].read_text("utf-8"))
                report = verify_export(data)
            except (ValueError, KeyError, TypeError) as exc:
                raise CommandError(
                    f"{options['export']} is not a JSON audit export: {exc}"
                ) from exc
            if not self._report(report):
                raise CommandError(f"{options['export']}: the export does not verify")
            return
        orgs = Organization.objects.order_by("pk")
        if options["org"]:
            orgs = orgs.filter(slug=options["org"])
            if not orgs.exists():
                raise CommandError(f"No organization with slug {options['org']!r}")
        where = options["checkpoint_dir"] or directory()
        self.stdout.write(f"checkpoints: {where}")
        broken = 0
        for org in orgs:
            report = verify_organization(org, directory=where, extra_files=options["checkpoints"])
            broken += not self._report(report)
        if broken:
            raise CommandError(f"{broken} organization(s) with a broken audit chain")

    def _report(self, report: Report) -> bool:
        slug = report.organization.slug or "export"
        summary = (
            f"{report.records} record(s), last {report.last_sequence}, "
            f"{report.checkpoints} valid checkpoint(s)"
        )
        if report.latest is not None:
            summary += f", latest at record {report.latest.sequence} ({report.latest.at})"
        for note in report.notes:
            self.stdout.write(f"{slug}: note: {note}")
        if report.intact:
            self.stdout.write(f"{slug}: intact: {summary}")
            return True
        self.stderr.write(f"{slug}: BROKEN: {len(report.problems)} problem(s); {summary}")
        if len(report.problems) > 1:
            self.stderr.write(f"  first: {report.first_problem}")
        for problem in report.problems:
            self.stderr.write(f"  {problem}")
        return False
