"""Outbound safety: endpoint URLs whose host resolves to a private, loopback, link-local, CGNAT,
unique-local, multicast, reserved or unspecified address are refused when saved (service, form
and API: 400 naming ``url``), and a delivery connects to the very address its one lookup
checked, so a name that rebinds to a private address between lookups is never reached."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.test import APIClient

from readiness import events
from tests.readiness.pages_support import url
from webhooks import addresses, services, transport
from webhooks.models import Delivery, DeliveryStatus, Endpoint

PUBLIC = "93.184.216.34"

REFUSED = [
    "10.1.2.3",  # private
    "172.16.0.9",
    "192.168.1.1",
    "127.0.0.1",  # loopback
    "169.254.169.254",  # link-local (cloud metadata)
    "100.64.0.1",  # CGNAT, shared address space
    "0.0.0.0",  # noqa: S104  (unspecified: refused, never bound)
    "224.0.0.251",  # multicast
    "239.255.255.250",
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fe80::1",
    "fc00::1",  # unique-local
    "fd12:3456::1",
    "ff02::1",  # multicast
    "ff0e::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
]
ALLOWED = [PUBLIC, "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::5db8:d822"]


@pytest.mark.parametrize("address", REFUSED)
def test_not_public(address: str) -> None:
    assert not addresses.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ALLOWED)
def test_public(address: str) -> None:
    assert addresses.is_public(ipaddress.ip_address(address))


class FakeDNS:
    """Answers for the names of these tests, in turn (the last answer repeats); other names go
    to the real resolver. Counts the lookups of each name."""

    def __init__(self, monkeypatch: Any, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.lookups: dict[str, int] = dict.fromkeys(answers, 0)
        self._real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in self.answers:
            return self._real(host, port, *args, **kwargs)
        turn = self.answers[host][min(self.lookups[host], len(self.answers[host]) - 1)]
        self.lookups[host] += 1
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, int(port), 0, 0) if ":" in a else (a, int(port)),
            )
            for a in turn
        ]


@pytest.fixture
def production(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False


def create(org: Any, admin: Any, endpoint_url: str) -> Endpoint:
    return services.endpoint_create(
        actor=admin, organization=org, url=endpoint_url, events=["gate.passed"]
    )


@pytest.mark.parametrize(
    "address", ["10.0.0.5", "127.0.0.1", "169.254.169.254", "100.64.1.1", "fd00::5"]
)
def test_saving_a_url_that_resolves_to_a_private_address_is_refused(
    org, admin, production, monkeypatch, address
) -> None:
    FakeDNS(monkeypatch, {"internal.example.com": [[address]]})
    with pytest.raises(ValidationError) as err:
        create(org, admin, "https://internal.example.com/hook")
    assert f"resolves to {address}" in err.value.message_dict["url"][0]
    assert not Endpoint.objects.exists()


def test_one_private_answer_among_public_ones_is_refused(org, admin, production, monkeypatch):
    FakeDNS(monkeypatch, {"mixed.example.com": [[PUBLIC, "10.0.0.5"]]})
    with pytest.raises(ValidationError):
        create(org, admin, "https://mixed.example.com/hook")


def test_literal_addresses_and_unknown_hosts_are_refused(org, admin, production, monkeypatch):
    FakeDNS(monkeypatch, {"nowhere.example.com": [[]]})
    for bad in ("https://127.0.0.1/h", "https://[::1]/h", "https://169.254.169.254/latest"):
        with pytest.raises(ValidationError) as err:
            create(org, admin, bad)
        assert "public addresses" in err.value.message_dict["url"][0]
    with pytest.raises(ValidationError) as err:
        create(org, admin, "https://nowhere.example.com/h")
    assert "could not be found" in err.value.message_dict["url"][0]
    with pytest.raises(ValidationError) as err:
        create(org, admin, "https://hooks.example.com:99999/h")
    assert "port" in err.value.message_dict["url"][0]


def test_a_public_host_is_saved_and_updating_to_a_private_one_is_refused(
    org, admin, production, monkeypatch
) -> None:
    FakeDNS(monkeypatch, {"hooks.example.com": [[PUBLIC]], "intra.example.com": [["192.168.0.2"]]})
    endpoint = create(org, admin, "https://hooks.example.com/hook")
    with pytest.raises(ValidationError) as err:
        services.endpoint_update(actor=admin, endpoint=endpoint, url="https://intra.example.com/")
    assert "192.168.0.2" in err.value.message_dict["url"][0]
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/hook"


def test_the_form_answers_400_naming_the_url(client, org, admin, production, monkeypatch) -> None:
    FakeDNS(monkeypatch, {"internal.example.com": [["10.9.8.7"]]})
    client.force_login(admin)
    response = client.post(
        url("webhooks_endpoint_create", org),
        {"url": "https://internal.example.com/hook", "events": ["gate.passed"], "format": "json"},
    )
    assert response.status_code == 400
    assert "resolves to 10.9.8.7" in str(response.context["form"].errors["url"])
    assert not Endpoint.objects.exists()


def test_the_api_answers_400_naming_the_url(org, admin, production, monkeypatch) -> None:
    FakeDNS(monkeypatch, {"internal.example.com": [["fc00::1"]]})
    client = APIClient()
    client.force_authenticate(admin)
    response = client.post(
        "/api/v1/webhooks/endpoints/",
        {
            "organization": org.slug,
            "url": "https://internal.example.com/hook",
            "events": ["gate.passed"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "url" in str(response.json())
    assert "resolves to fc00::1" in str(response.json())
    assert not Endpoint.objects.exists()


# --- At send time: one lookup, and the connection goes to the address it checked -------------


@pytest.fixture
def connections(monkeypatch: Any, receiver: Any) -> list[str]:
    """Every address a delivery connects to; the connection itself is made to the local
    receiver, which stands in for whatever host the address belongs to."""
    made: list[str] = []
    real_open = transport.open_socket
    local_port = int(receiver.url.split(":")[2].split("/")[0])

    def open_socket(target: addresses.Target, timeout: float) -> socket.socket:
        made.append(target.address)
        return real_open(
            addresses.Target(family=socket.AF_INET, sockaddr=("127.0.0.1", local_port)), timeout
        )

    monkeypatch.setattr(transport, "open_socket", open_socket)
    return made


def emit(org: Any) -> None:
    with transaction.atomic():
        events.emit(organization=org, event="gate.passed", payload={"use_case": {"id": 1}})


def test_dns_rebinding_cannot_reach_a_private_address(
    org, admin, settings, monkeypatch, receiver, connections, django_capture_on_commit_callbacks
) -> None:
    """The name answers a public address, then a private one: the delivery looks it up once,
    connects to the public address it checked, and never asks again."""
    port = receiver.url.split(":")[2].split("/")[0]
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True  # saved without a check: only the send counts
    create(org, admin, f"http://rebind.example.com:{port}/hooks/readiness")
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    dns = FakeDNS(monkeypatch, {"rebind.example.com": [[PUBLIC], ["127.0.0.1"]]})
    with django_capture_on_commit_callbacks(execute=True):
        emit(org)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED, delivery.error
    assert dns.lookups["rebind.example.com"] == 1
    assert connections == [PUBLIC]
    assert len(receiver.received) == 1
    assert receiver.received[0].headers["Host"] == f"rebind.example.com:{port}"


def test_a_name_that_rebinds_after_it_was_saved_is_not_sent_to(
    org, admin, production, monkeypatch, receiver, connections, django_capture_on_commit_callbacks
) -> None:
    """Public when saved, private when sent: the send's own check refuses it, for good."""
    port = receiver.url.split(":")[2].split("/")[0]
    dns = FakeDNS(monkeypatch, {"rebind.example.com": [[PUBLIC], ["10.0.0.7"]]})
    create(org, admin, f"http://rebind.example.com:{port}/hooks/readiness")
    with django_capture_on_commit_callbacks(execute=True):
        emit(org)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "resolves to 10.0.0.7" in delivery.error
    assert dns.lookups["rebind.example.com"] == 2  # one when saved, one for the send
    assert connections == []
    assert receiver.received == []


def test_https_checks_the_certificate_for_the_name_not_the_address(monkeypatch) -> None:
    """TLS over the pinned socket: SNI and the certificate check use the URL's host name."""
    ours, theirs = socket.socketpair()
    seen: dict[str, Any] = {}

    def wrap_socket(sock: socket.socket, server_hostname: str) -> socket.socket:
        seen.update(sock=sock, server_hostname=server_hostname)
        return sock

    monkeypatch.setattr(transport, "open_socket", lambda target, timeout: ours)
    connection = transport._PinnedHTTPSConnection(
        "hooks.example.com", 443, [addresses.Target(socket.AF_INET, (PUBLIC, 443))]
    )
    monkeypatch.setattr(connection.context, "wrap_socket", wrap_socket)
    try:
        connection.connect()
        assert seen == {"sock": ours, "server_hostname": "hooks.example.com"}
        assert connection.context.check_hostname
        assert connection.context.verify_mode.name == "CERT_REQUIRED"
    finally:
        ours.close()
        theirs.close()


def test_private_networks_are_refused_by_default_in_production() -> None:
    """WEBHOOKS_ALLOW_PRIVATE_NETWORKS follows DEBUG unless set: off in production."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = "import django; django.setup(); from django.conf import settings; print(settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS)"
    answers = []
    for debug in ("0", "1"):
        env = {k: v for k, v in os.environ.items() if k != "WEBHOOKS_ALLOW_PRIVATE_NETWORKS"}
        env.update(DEBUG=debug, DJANGO_SETTINGS_MODULE="config.settings")
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        answers.append(result.stdout.strip())
    assert answers == ["False", "True"]
