"""The cache is Redis when REDIS_URL is set, shared by every process, and a Redis outage fails
open: pages and sign-in keep working, and the outage is logged (config/cache.py)."""

import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from config import cache as fail_open
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _cache_at(location, prefix="test"):
    return {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def cache_log():
    """What config.cache logged (pytest's caplog is off under `-p no:logging`)."""
    handler = _Records()
    logger = logging.getLogger("config.cache")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


@pytest.fixture
def redis_down(monkeypatch):
    """A cache whose Redis is not there, with the breaker closed at the start."""
    monkeypatch.setattr(fail_open, "_breakers", {})
    with override_settings(CACHES=_cache_at(NOWHERE)):
        yield caches["default"]


def test_settings_use_redis_when_redis_url_is_set():
    env = {**os.environ, "DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/11"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    code = "from django.conf import settings as s; c = s.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["config.cache.FailOpenRedisCache", "redis://127.0.0.1:6379/11"]
    env.pop("REDIS_URL")
    out = subprocess.run(
        [sys.executable, "-c", code.replace(", c['LOCATION']", "")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["django.core.cache.backends.locmem.LocMemCache"]


def test_an_unreachable_redis_answers_as_an_empty_cache(redis_down, cache_log):
    assert redis_down.get("k") is None
    assert redis_down.get("k", "fallback") == "fallback"
    assert redis_down.get_many(["a", "b"]) == {}
    assert redis_down.add("lock", True) is True  # allauth's lock: taken, so sign-in goes on
    assert redis_down.set("k", 1) is None
    assert redis_down.set_many({"a": 1}) == []
    assert redis_down.incr("n") == 1
    assert redis_down.delete("k") is False
    assert redis_down.has_key("k") is False
    warnings = list(cache_log)
    assert len(warnings) == 1  # once per outage, not once per call
    assert "unreachable" in warnings[0].getMessage()
    assert "rate limits are not counted" in warnings[0].getMessage()


def test_an_outage_is_not_retried_on_every_call(redis_down, monkeypatch):
    redis_down.get("k")  # trips the breaker
    calls = []
    monkeypatch.setattr(
        fail_open.RedisCache, "get", lambda *a, **k: calls.append(a) or "from redis"
    )
    assert redis_down.get("k") is None and calls == []
    # After RETRY_SECONDS it tries again, and says so when Redis answers.
    breaker = fail_open._breaker(redis_down._location_label)
    breaker.down_until = time.monotonic() - 1
    assert redis_down.get("k") == "from redis" and len(calls) == 1
    assert not breaker.down


def test_other_redis_errors_still_raise(redis_down, monkeypatch):
    def refuse(*args, **kwargs):
        raise redis.exceptions.AuthenticationError("invalid password")

    monkeypatch.setattr(fail_open.RedisCache, "get", refuse)
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis_down.get("k")


def test_pages_and_sign_in_work_while_redis_is_down(redis_down, client, org, admin, cache_log):
    response = client.post(
        reverse("account_login"), {"login": admin.email, "password": "pw-for-tests-123"}
    )
    assert response.status_code == 302
    assert client.get(reverse("usecase_list", args=[org.slug])).status_code == 200
    client.logout()
    wrong = client.post(reverse("account_login"), {"login": admin.email, "password": "nope"})
    assert wrong.status_code == 200 and "not correct" in wrong.text
    assert any("unreachable" in r.getMessage() for r in cache_log)


# With a real Redis (REDIS_URL; CI starts one)


@pytest.fixture
def real_redis():
    url = os.environ.get("REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("REDIS_URL is not set (CI is set, so this is a failure, not a skip)")
        pytest.skip("needs Redis: set REDIS_URL")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    with override_settings(CACHES=_cache_at(url, prefix)):
        yield caches["default"], redis.Redis.from_url(url), prefix
    server = redis.Redis.from_url(url)
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


def test_failed_sign_ins_are_counted_in_redis_for_every_process(real_redis, client, db):
    _cache, server, prefix = real_redis
    victim = UserFactory(email="victim@example.com")
    for n in range(5):
        client.post(
            reverse("account_login"),
            {"login": victim.email, "password": "wrong"},
            REMOTE_ADDR=f"198.51.100.{n}",
        )
    assert any(b":allauth:rl:" in key for key in server.scan_iter(f"{prefix}:*"))
    # Another web process has its own connection, and sees the same count.
    caches.close_all()
    other_process = fail_open.FailOpenRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": prefix})
    keys = [k.decode().split(":", 2)[2] for k in server.scan_iter(f"{prefix}:*:allauth:rl:*")]
    assert any(len(other_process.get(k) or []) == 5 for k in keys)
    response = client.post(
        reverse("account_login"),
        {"login": victim.email, "password": "pw-for-tests-123"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert "Too many failed login attempts" in response.text
