"""Django's Redis cache, failing open.

The cache holds what can be lost: sign-in rate-limit counters above all. When Redis cannot be
reached, refusing every sign-in (or answering 500 on every page) would turn a cache outage into
an outage of the product, so this backend answers as an empty cache instead: reads miss, writes
are dropped, ``add`` says it stored (allauth takes a lock with ``add``; a lock that can never
be taken would refuse the sign-in). It logs a warning when Redis goes away and when it is back,
and while it is away it does not try again for ``RETRY_SECONDS``, so a Redis that hangs costs
one short timeout per process every few seconds, not one per call.

While Redis is down the rate limits do not count: that is the trade-off, and the warning in
the logs says so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import AuthenticationError, AuthorizationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE = (RedisConnectionError, RedisTimeoutError)
# redis-py files these under ConnectionError, but they are a configuration to fix, not an outage.
MISCONFIGURED = (AuthenticationError, AuthorizationError)
RETRY_SECONDS = 5.0


class _Breaker:
    """Shared by every cache instance of one location (Django makes one per thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.down = False

    def is_open(self) -> bool:
        return time.monotonic() < self.down_until

    def trip(self, location: str, exc: Exception) -> None:
        with self.lock:
            first = not self.down
            self.down = True
            self.down_until = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning(
                "Cache at %s unreachable (%s): failing open, sign-in rate limits are not "
                "counted until it is back; retrying every %.0f s",
                location,
                exc,
                RETRY_SECONDS,
            )

    def reset(self, location: str) -> None:
        if self.down:
            with self.lock:
                was_down, self.down = self.down, False
            if was_down:
                logger.warning("Cache at %s reachable again", location)


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()


def _breaker(location: str) -> _Breaker:
    with _breakers_lock:
        return _breakers.setdefault(location, _Breaker())


def _fail_open(name: str, fallback: Callable[..., Any]) -> Callable[..., Any]:
    """RedisCache's method ``name``; on a Redis outage, ``fallback(*args, **kwargs)`` instead."""

    def method(self: FailOpenRedisCache, *args: Any, **kwargs: Any) -> Any:
        breaker = _breaker(self._location_label)
        if breaker.is_open():
            return fallback(*args, **kwargs)
        try:
            result = getattr(RedisCache, name)(self, *args, **kwargs)
        except OUTAGE as exc:
            if isinstance(exc, MISCONFIGURED):
                raise
            breaker.trip(self._location_label, exc)
            return fallback(*args, **kwargs)
        breaker.reset(self._location_label)
        return result

    method.__name__ = name
    method.__doc__ = getattr(RedisCache, name).__doc__
    return method


def _default(key: str, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


def _stored(*args: Any, **kwargs: Any) -> bool:
    return True


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


def _counted(key: str, delta: int = 1, *args: Any, **kwargs: Any) -> int:
    return delta


def _uncounted(key: str, delta: int = 1, *args: Any, **kwargs: Any) -> int:
    return -delta


class FailOpenRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that treats an unreachable Redis as an
    empty cache (see the module docstring). Errors other than connection errors and timeouts
    (a wrong password, a full server) still raise: they are configuration to fix, not outages."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        # For the log line, without a password that the URL may carry.
        self._location_label = server.rsplit("@", 1)[-1]

    get = _fail_open("get", _default)
    get_many = _fail_open("get_many", lambda keys, *a, **k: {})
    has_key = _fail_open("has_key", _false)
    add = _fail_open("add", _stored)
    set = _fail_open("set", _nothing)
    set_many = _fail_open("set_many", lambda data, *a, **k: [])
    touch = _fail_open("touch", _false)
    incr = _fail_open("incr", _counted)
    decr = _fail_open("decr", _uncounted)
    delete = _fail_open("delete", _false)
    delete_many = _fail_open("delete_many", _nothing)
    clear = _fail_open("clear", _false)
