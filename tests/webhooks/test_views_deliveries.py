"""The delivery log pages: filters, detail, redelivery, scoped to the organization."""

from __future__ import annotations

from django.urls import reverse

from webhooks import services
from webhooks.models import Delivery


def url(name, org, *args):
    return reverse(name, args=[org.slug, *args])


def test_send_test_event_and_redeliver_from_the_log(
    client, org, admin, endpoint, receiver, django_capture_on_commit_callbacks
) -> None:
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("webhooks_endpoint_test", org, endpoint.pk))
    delivery = Delivery.objects.get()
    assert response["Location"] == url("webhooks_delivery", org, delivery.pk)
    detail = client.get(response["Location"]).content.decode()
    assert "Succeeded" in detail and "webhook.test" in detail and "Redeliver" in detail
    assert receiver.received[0].headers["X-Readiness-Event"] == "webhook.test"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("webhooks_delivery_redeliver", org, delivery.pk))
    again = Delivery.objects.exclude(pk=delivery.pk).get()
    assert response["Location"] == url("webhooks_delivery", org, again.pk)
    assert len(receiver.received) == 2


def test_redeliver_of_pending_delivery_is_refused_with_a_message(
    client, org, admin, endpoint
) -> None:
    services.endpoint_send_test(actor=admin, endpoint=endpoint)  # on_commit not run: stays pending
    delivery = Delivery.objects.get()
    client.force_login(admin)
    response = client.post(url("webhooks_delivery_redeliver", org, delivery.pk), follow=True)
    assert "still being tried" in response.content.decode()
    assert Delivery.objects.count() == 1


def test_delivery_log_filters_and_runs_constant_queries(
    client, org, admin, endpoint, django_assert_max_num_queries
) -> None:
    for _ in range(3):
        services.endpoint_send_test(actor=admin, endpoint=endpoint)
    Delivery.objects.filter(pk=Delivery.objects.first().pk).update(status="failed")
    client.force_login(admin)
    with django_assert_max_num_queries(12) as few:
        client.get(url("webhooks_deliveries", org))
    for _ in range(20):
        services.endpoint_send_test(actor=admin, endpoint=endpoint)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("webhooks_deliveries", org))
    assert response.context["page"].paginator.count == 23
    response = client.get(
        url("webhooks_deliveries", org), {"status": "failed", "endpoint": endpoint.pk}
    )
    assert response.context["page"].paginator.count == 1
    assert client.get(url("webhooks_deliveries", org), {"status": "bogus"}).status_code == 400


def test_delivery_of_another_org_is_404(client, org, admin, other_org) -> None:
    other, other_admin, _ = other_org
    foreign = services.endpoint_create(
        actor=other_admin, organization=other, url="https://x.example/h", events=["gate.passed"]
    )
    delivery = services.endpoint_send_test(actor=other_admin, endpoint=foreign)
    client.force_login(admin)
    assert client.get(url("webhooks_delivery", org, delivery.pk)).status_code == 404
    assert client.post(url("webhooks_delivery_redeliver", org, delivery.pk)).status_code == 404
