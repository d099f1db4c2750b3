"""The Django admin shows webhooks read-only, without the signing secret."""

from __future__ import annotations


def test_django_admin_is_read_only_and_hides_the_secret(admin_client, endpoint) -> None:
    response = admin_client.get(f"/admin/webhooks/endpoint/{endpoint.pk}/change/")
    assert response.status_code == 200
    assert endpoint.secret not in response.content.decode()
    assert admin_client.get("/admin/webhooks/endpoint/add/").status_code == 403
