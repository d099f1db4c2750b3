"""Failed sign-ins are limited per account and per client address, on every login form, and the
client is the one our own proxies saw (X-Forwarded-For only through TRUSTED_PROXY_COUNT).

Limits (config/settings.py, LOGIN_FAILED_RATE_LIMIT): 5 failures per account in 5 minutes,
from any number of addresses; 10 failures per address in a minute, over any accounts.
"""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests.factories import UserFactory
from tests.readiness.pages_support import PASSWORD

PER_ACCOUNT = 5
PER_ADDRESS = 10
REFUSED = "Too many failed login attempts"
WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _sign_in(client, login, password=WRONG, **headers):
    response = client.post(
        reverse("account_login"), {"login": login, "password": password}, **headers
    )
    if response.status_code == 302:
        return "signed in"
    if REFUSED in response.text:
        return "refused"
    assert "not correct" in response.text, response.text
    return "wrong password"


def test_one_account_from_many_addresses_is_refused_after_five_failures(client, db):
    victim = UserFactory(email="victim@example.com")
    answers = [_sign_in(client, victim.email, REMOTE_ADDR=f"198.51.100.{n}") for n in range(1, 8)]
    assert answers == ["wrong password"] * PER_ACCOUNT + ["refused"] * 2
    # Locked for everyone, the right password included, until the window passes.
    assert _sign_in(client, victim.email, PASSWORD, REMOTE_ADDR="203.0.113.1") == "refused"


def test_many_accounts_from_one_address_are_refused_after_ten_failures(client, db):
    answers = [
        _sign_in(client, f"guess{n}@example.com", REMOTE_ADDR="198.51.100.7") for n in range(12)
    ]
    assert answers == ["wrong password"] * PER_ADDRESS + ["refused"] * 2
    # Another address is not held back by it.
    assert _sign_in(client, "guess99@example.com", REMOTE_ADDR="198.51.100.8") == "wrong password"


def test_a_successful_sign_in_does_not_reset_the_count(client, db):
    """allauth rolls back the success's own attempt only: an attacker who knows one password
    cannot interleave it to keep guessing another account's."""
    mine = UserFactory(email="mine@example.com")
    answers = []
    for n in range(PER_ADDRESS + 1):
        answers.append(_sign_in(client, f"other{n}@example.com", REMOTE_ADDR="198.51.100.9"))
        if n == 4:
            assert _sign_in(client, mine.email, PASSWORD, REMOTE_ADDR="198.51.100.9") == (
                "signed in"
            )
            client.logout()
    assert answers[-1] == "refused"


def test_the_host_header_does_not_multiply_an_accounts_allowance(client, db):
    victim = UserFactory(email="victim@example.com")
    answers = [
        _sign_in(client, victim.email, HTTP_HOST=host, REMOTE_ADDR=f"198.51.100.{n}")
        for n, host in enumerate(["localhost", "127.0.0.1", "testserver"] * 2)
    ]
    assert answers == ["wrong password"] * PER_ACCOUNT + ["refused"]


# Behind proxies


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, db):
    answers = [
        _sign_in(
            client,
            f"guess{n}@example.com",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
        for n in range(PER_ADDRESS + 1)
    ]
    assert answers[-1] == "refused"


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_two_clients_are_counted_apart(client, db):
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = [
        _sign_in(client, f"a{n}@example.com", HTTP_X_FORWARDED_FOR="192.0.2.10", **proxy)
        for n in range(PER_ADDRESS + 1)
    ]
    assert first[-1] == "refused"
    assert (
        _sign_in(client, "b@example.com", HTTP_X_FORWARDED_FOR="192.0.2.20", **proxy)
        == "wrong password"
    )


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_a_forged_x_forwarded_for_entry_does_not_help(client, db):
    """The client writes its own X-Forwarded-For; the proxy appends the address it saw. Only
    the proxy's entry counts, whatever the client put before it."""
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    answers = [
        _sign_in(
            client,
            f"a{n}@example.com",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 192.0.2.10",
            **proxy,
        )
        for n in range(PER_ADDRESS + 1)
    ]
    assert answers[-1] == "refused"


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=2)
def test_fewer_entries_than_trusted_proxies_counts_the_sender(client, db):
    """A request that did not come through every proxy is counted by REMOTE_ADDR (which the
    client cannot choose), not answered with a 500."""
    answers = [
        _sign_in(
            client,
            f"a{n}@example.com",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        for n in range(PER_ADDRESS + 1)
    ]
    assert answers[-1] == "refused"


# The admin's login form is allauth's


def test_the_admin_login_sends_to_allauths_form(client, db):
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"
    # A password posted to the admin's own form is not even looked at.
    response = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    # Through allauth's form, with its limits, and back to the admin.
    response = client.post(
        f"{reverse('account_login')}?next=/admin/",
        {"login": staff.email, "password": PASSWORD, "next": "/admin/"},
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_form_is_no_way_around_a_locked_account(client, db):
    staff = UserFactory(email="staff@example.com", is_staff=True)
    for n in range(PER_ACCOUNT):
        _sign_in(client, staff.email, REMOTE_ADDR=f"198.51.100.{n}")
    response = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert _sign_in(client, staff.email, PASSWORD, REMOTE_ADDR="203.0.113.1") == "refused"
