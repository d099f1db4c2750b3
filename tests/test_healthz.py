from unittest import mock

import redis


def test_healthz_reports_database_and_broker(client, db, settings):
    settings.REDIS_URL = None
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["status"] == "ok"
    assert body["broker"]["status"] == "ok"
    assert "in-process" in body["broker"]["mode"]


def test_healthz_says_when_the_broker_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    with mock.patch("redis.Redis.ping", side_effect=redis.ConnectionError("refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == {
        "status": "down",
        "mode": "redis",
        "error": "ConnectionError",
    }
