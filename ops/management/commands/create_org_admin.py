"""`manage.py create_org_admin`: the first person of a new deployment, as an org admin.

Creates the user (or takes an existing one) and a new organization with them as its org admin,
through the same service as the "New organization" page (default templates, audit records).
The password is asked at the terminal, or read from ``ADMIN_PASSWORD`` when there is none
(``docker compose run -T``, no terminal), and checked by the password validators. The address is
recorded as verified: the operator vouches for it.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from readiness.models import User
from readiness.services import organization_create


class Command(BaseCommand):
    help = "Create an organization and its first org admin (password asked, or ADMIN_PASSWORD)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--org", required=True, help="the organization's name")
        parser.add_argument("--slug", default="", help="its address (/o/<slug>/); from the name")
        parser.add_argument(
            "--superuser", action="store_true", help="also give access to Django's /admin/"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = User.objects.normalize_email(options["email"].strip())
        user = User.objects.filter(email__iexact=email).first()
        password = None if user else self._password(email)
        try:
            with transaction.atomic():
                if user is None:
                    user = User.objects.create_user(email=email, password=password)
                if options["superuser"] and not user.is_superuser:
                    user.is_staff = user.is_superuser = True
                    user.save(update_fields=["is_staff", "is_superuser"])
                EmailAddress.objects.update_or_create(
                    user=user, email=email, defaults={"verified": True, "primary": True}
                )
                org = organization_create(user=user, name=options["org"], slug=options["slug"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            f"{email} is org admin of {org.name}: sign in and open /o/{org.slug}/ to invite people."
        )

    def _password(self, email: str) -> str:
        if sys.stdin.isatty():
            first = getpass.getpass(f"Password for {email}: ")
            if first != getpass.getpass("Again: "):
                raise CommandError("The two passwords differ.")
        else:
            first = os.environ.get("ADMIN_PASSWORD", "")
            if not first:
                raise CommandError("No terminal to ask on: set ADMIN_PASSWORD.")
        try:
            validate_password(first, User(email=email))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        return first
