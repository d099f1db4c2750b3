"""How allauth behaves here: where a new account goes, how a client is counted by the sign-in
limits, and what a single sign-on provider is believed about an address."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import reverse

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # A new user either came through an invitation (``next`` brings them back to it)
        # or needs an organization of their own.
        return reverse("home")

    def get_client_ip(self, request: HttpRequest) -> str:
        """The client as the sign-in limits count it: REMOTE_ADDR, or with
        ``TRUSTED_PROXY_COUNT`` = N the N-th X-Forwarded-For entry from the right (what our
        own proxies appended; anything a client wrote further left is ignored).

        allauth raises ImproperlyConfigured (a 500) when a request carries fewer entries than
        N; such a request did not come through every proxy, so it is counted by the address
        that sent it, which a client cannot choose."""
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            logger.warning(
                "X-Forwarded-For has fewer entries than TRUSTED_PROXY_COUNT; counting the "
                "request by REMOTE_ADDR"
            )
            return str(request.META.get("REMOTE_ADDR") or "unknown")

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth keys the per-account limit on the Host header and the login; every allowed
        # host would then get its own allowance for one account. One account, one count.
        login = credentials.get("email", credentials.get("username", ""))
        return str(login).strip().lower()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """An address from single sign-on counts as verified only when the provider says so
        with the JSON boolean ``true`` (OpenID Connect's ``email_verified``). allauth tests
        the claim for truth, so a provider sending the string ``"false"`` would otherwise
        have its addresses trusted; an unverified one is verified by a code, like a sign-up,
        before it can see or accept an invitation."""
        for address in sociallogin.email_addresses:
            address.verified = address.verified is True
        super().pre_social_login(request, sociallogin)
