"""Every request gets an id (the caller's X-Request-ID when sane), returned in the response,
carried by every log line written while it runs, and handed to the tasks it queues. Logs are
JSON lines in production, plain in development. Error reports go out only with a DSN."""

from __future__ import annotations

import io
import json
import logging
from logging.config import DictConfigurator

import pytest
from celery import signals

from config.observability import init_error_reporting, logging_config
from ops import requestid


@pytest.fixture
def captured():
    """The app's log configuration (plain), writing to a buffer we can read."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(requestid.RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(request_id)s|%(name)s|%(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_a_request_gets_an_id_in_its_response(client, db):
    response = client.get("/healthz")
    rid = response["X-Request-ID"]
    assert len(rid) == 32
    assert client.get("/healthz")["X-Request-ID"] != rid


def test_the_callers_id_is_kept_when_sane_and_replaced_when_not(client, db):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.01")["X-Request-ID"] == "lb-7f3a.01"
    for bad in ("has space", "x" * 65, "new\nline", "<script>"):
        assert client.get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"] != bad


def test_every_log_line_of_a_request_carries_its_id(client, org, admin, captured, monkeypatch):
    """The access line, a line the view writes, and Django's own line for a 5xx answer (logged
    after the middleware returned) all carry the id; nothing after the request does."""
    from readiness.views import use_cases

    real = use_cases.selectors.use_case_list

    def noisy(*args, **kwargs):  # type: ignore[no-untyped-def]
        logging.getLogger("readiness.views").warning("listing use cases")
        return real(*args, **kwargs)

    monkeypatch.setattr(use_cases.selectors, "use_case_list", noisy)
    client.force_login(admin)
    client.get(f"/o/{org.slug}/use-cases/", HTTP_X_REQUEST_ID="req-abc-1")
    logging.getLogger("after").info("outside any request")
    lines = captured.getvalue().splitlines()
    first = [line for line in lines if line.startswith("req-abc-1|")]
    assert any("|readiness.views|listing use cases" in line for line in first)
    assert any("|readiness.access|GET /o/" in line and " 200 " in line for line in first), lines
    assert lines[-1] == "-|after|outside any request"
    assert not [line for line in lines if "|readiness." in line and line.startswith("-|")]


def test_a_5xx_logged_by_django_after_the_middleware_has_the_id(
    db, captured, settings, monkeypatch
):
    from django.test import Client

    from readiness.api import organizations
    from tests.factories import make_org

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError

    monkeypatch.setattr(organizations.OrganizationViewSet, "list", boom)
    _org, user = make_org("Log Org")
    settings.DEBUG = False
    crashing = Client(raise_request_exception=False)
    crashing.force_login(user)
    crashing.get("/api/v1/organizations/", HTTP_X_REQUEST_ID="req-crash-1")
    lines = captured.getvalue().splitlines()
    django_line = [line for line in lines if "|django.request|" in line]
    assert django_line and all(line.startswith("req-crash-1|") for line in django_line), lines


def test_tasks_queued_by_a_request_carry_its_id(db):
    """Publishing adds the id to the message headers; a worker running the message binds it."""
    from ops.signals import _add_request_id, _task_finished, _task_started

    headers: dict[str, str] = {}
    token = requestid.bind("req-task-1")
    try:
        signals.before_task_publish.send(sender="x", headers=headers)
        _add_request_id(headers=headers)
    finally:
        requestid.unbind(token)
    assert headers["request_id"] == "req-task-1"

    class Request:
        request_id = "req-task-1"

    class Task:
        name = "some.task"
        request = Request()

    assert requestid.get() is None
    _task_started(task_id="t1", task=Task())
    assert requestid.get() == "req-task-1"  # the worker's log lines for this task carry it
    _task_finished(task_id="t1", task=Task(), state="SUCCESS")
    assert requestid.get() is None


def test_an_in_process_task_keeps_the_id_of_the_request_that_ran_it():
    """Tasks run in-process (no broker) carry no header: they log with the request's id."""
    from ops.signals import _task_finished, _task_started

    class Task:
        name = "some.task"
        request = object()

    token = requestid.bind("req-inline-1")
    try:
        _task_started(task_id="t2", task=Task())
        assert requestid.get() == "req-inline-1"
        _task_finished(task_id="t2", task=Task(), state="SUCCESS")
        assert requestid.get() == "req-inline-1"
    finally:
        requestid.unbind(token)


def test_json_log_lines_in_production():
    spec = logging_config(json=True, level="INFO")["formatters"]["default"]
    formatter = DictConfigurator({}).configure_formatter(dict(spec))
    record = logging.LogRecord("readiness.access", logging.INFO, __file__, 1, "GET / 200", (), None)
    record.request_id = "req-json-1"
    record.status = 200  # an `extra` field of the access line
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "req-json-1"
    assert line["level"] == "INFO"
    assert line["logger"] == "readiness.access"
    assert line["message"] == "GET / 200"
    assert line["status"] == 200
    assert line["time"].endswith("+00:00")


def test_plain_logs_in_development(settings):
    assert settings.LOG_FORMAT == "plain"  # the test settings run with DEBUG on
    formatter = logging_config(json=False, level="INFO")["formatters"]["default"]
    assert "%(request_id)s" in formatter["format"]


def test_no_error_reports_without_a_dsn():
    import sentry_sdk

    assert init_error_reporting(dsn="", environment="test", traces_sample_rate=0.0) is False
    assert not sentry_sdk.get_client().is_active()


def test_error_reports_go_to_the_dsn_with_the_request_id():
    import sentry_sdk
    from sentry_sdk.transport import Transport

    sent: list[dict] = []

    class Capture(Transport):
        def capture_envelope(self, envelope):  # type: ignore[no-untyped-def]
            event = envelope.get_event()
            if event is not None:
                sent.append(event)

    try:
        assert init_error_reporting(
            dsn="https://public@errors.example.invalid/1",
            environment="test",
            traces_sample_rate=0.0,
            transport=Capture,
            default_integrations=False,
        )
        token = requestid.bind("req-sentry-1")
        try:
            sentry_sdk.capture_exception(ValueError("boom"))
        finally:
            requestid.unbind(token)
        sentry_sdk.flush()
    finally:
        sentry_sdk.init(dsn=None)  # switch it off again for the rest of the suite
    assert len(sent) == 1
    assert sent[0]["tags"]["request_id"] == "req-sentry-1"
    assert sent[0]["environment"] == "test"
