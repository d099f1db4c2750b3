from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # A new user either came through an invitation (``next`` brings them back to it)
        # or needs an organization of their own.
        return reverse("home")
