"""Logging and error reporting, configured from settings.

Logs: JSON lines in production (one object per line, for a log collector), plain text in
development; every line carries the request id of the request or task it was written in
(``ops.requestid.RequestIdFilter``, ``-`` outside one). Errors: sent to Sentry (or any service
that speaks its protocol) only when ``SENTRY_DSN`` is set; with it unset nothing is sent.
"""

from __future__ import annotations

from typing import Any

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(request_id)s %(message)s"


def logging_config(*, json: bool, level: str) -> dict[str, Any]:
    formatter: dict[str, Any]
    if json:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": JSON_FIELDS,
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
        }
    else:
        formatter = {"format": PLAIN_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "ops.requestid.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The access line of every request comes from ops.middleware; Django's own
            # per-request warnings (4xx) would say it twice.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "WARNING"},
        },
    }


def init_error_reporting(
    *, dsn: str, environment: str, traces_sample_rate: float, **extra: Any
) -> bool:
    """Start the Sentry SDK when a DSN is given; returns whether it was started. Personal data
    (cookies, users' addresses) is not sent; each event is tagged with its request id."""
    if not dsn:
        return False
    import sentry_sdk

    def tag_request_id(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        from ops import requestid

        current = requestid.get()
        if current:
            event.setdefault("tags", {})["request_id"] = current
        return event

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        # No personal data: no user details, no request bodies.
        data_collection={"user_info": False, "http_bodies": []},
        before_send=tag_request_id,  # type: ignore[arg-type]
        **extra,
    )
    return True
