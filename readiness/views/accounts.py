"""allauth's account pages, where Readiness asks more of them."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.views import EmailView
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


class VerifiedPrimaryEmailView(EmailView):
    """Email addresses (allauth's page), except that only a verified address may become the
    primary one. allauth lets an unverified address become primary when the account has no
    verified one; the primary address is the account's ``email``, which names the person to
    everyone in their organizations, so it must be an address they proved is theirs."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "action_primary" in request.POST and request.user.is_authenticated:
            address = EmailAddress.objects.filter(
                user=request.user, email__iexact=request.POST.get("email", "")
            ).first()
            if address is not None and not address.verified:
                messages.error(
                    request,
                    f"Verify {address.email} before making it your primary address: choose "
                    "it and “Re-send Verification”, then enter the code sent to it.",
                )
                return redirect("account_email")
        return super().post(request, *args, **kwargs)


email = VerifiedPrimaryEmailView.as_view()
