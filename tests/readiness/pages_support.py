"""What the page tests of readiness share: URLs, and the passwords and links of the account flows."""

import re

from django.urls import reverse

PASSWORD = "pw-for-tests-123"
NEW_PASSWORD = "a-Fresh-passphrase-42"


def url(name, org, *args):
    return reverse(name, args=[org.slug, *args])


def members_url(org):
    return reverse("members", kwargs={"org": org.slug})


def link_in(body: str) -> str:
    """The path of the first link in an email body."""
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return match.group(1)


def code_in(body: str) -> str:
    """The verification code in one of allauth's emails (verification is by a code typed on the
    page the sign-up left the browser on)."""
    match = re.search(r"browser window\.\s+(\S+)", body)
    assert match, body
    return match.group(1)


def sign_up_and_verify(client, email: str, *, next_url: str = "", outbox=None):
    """Sign up as a person would: the form, then the code from the email. Returns the answer to
    the code (a redirect to where the flow continues)."""
    from django.core import mail

    data = {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    url = reverse("account_signup")
    if next_url:
        data["next"] = next_url
        url = f"{url}?next={next_url}"
    sent_before = len(mail.outbox)
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    message = mail.outbox[sent_before]
    assert message.to == [email]
    return client.post(reverse("account_email_verification_sent"), {"code": code_in(message.body)})
