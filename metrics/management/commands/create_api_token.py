"""Create an organization API token from the command line, as an org admin could in the browser."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.services import api_token_create
from readiness.models import Organization


class Command(BaseCommand):
    help = (
        "Create an API token for an organization. The token is printed on the last line of the "
        "output, once: only its hash is kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organization's slug")
        parser.add_argument("--name", required=True, help="Which system will use the token")
        parser.add_argument(
            "--use-case",
            type=int,
            action="append",
            default=[],
            dest="use_cases",
            help="Limit the token to this use case id (repeat for several; default: all)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['org']!r}")
        try:
            token, raw = api_token_create(
                actor=None,
                organization=organization,
                name=options["name"],
                use_case_ids=options["use_cases"],
                via="manage.py create_api_token",
            )
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" if k else " ".join(v) for k, v in messages.items())
            ) from exc
        scope = ", ".join(str(pk) for pk in sorted(options["use_cases"])) or "every use case"
        self.stdout.write(
            f"Created API token “{token.name}” (rdy_{token.prefix}…) for {organization.name}, "
            f"writing to {scope}. Store it now: it is not shown again."
        )
        self.stdout.write(raw)
