"""GET /healthz: the state of the database and the broker, as JSON."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> dict[str, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach the database is the answer here
        return {"status": "down", "error": exc.__class__.__name__, "vendor": connection.vendor}
    return {"status": "ok", "vendor": connection.vendor}


def _broker() -> dict[str, str]:
    if not settings.REDIS_URL:
        return {"status": "ok", "mode": "in-process (tasks run eagerly; no broker configured)"}
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except redis.RedisError as exc:
        return {"status": "down", "mode": "redis", "error": exc.__class__.__name__}
    return {"status": "ok", "mode": "redis"}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and broker answer, 503 (same body shape) when one does not."""
    database, broker = _database(), _broker()
    ok = database["status"] == "ok" and broker["status"] == "ok"
    return JsonResponse(
        {"status": "ok" if ok else "degraded", "database": database, "broker": broker},
        status=200 if ok else 503,
    )
