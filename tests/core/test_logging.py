"""Log lines as JSON, one object per line, with the request id that follows a request into the
Celery tasks it causes (a real worker, the real Redis, a real SMTP server); an ordinary refusal
is one line; no line carries a query string or personal data."""

import io
import json
import logging

import pytest
from django.urls import reverse

from iconet.operations.logging import ContextFilter, JsonFormatter, TextFormatter, log_context_bound
from tests.alerts.conftest import alert_draft
from tests.alerts.test_delivery import until
from tests.core.test_health import no_heartbeat  # noqa: F401 - a fixture


@pytest.fixture
def json_lines():
    """The console handler the settings configure, writing JSON into a buffer for the test."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    buffer = io.StringIO()
    formatter, stream = handler.formatter, handler.setStream(buffer)
    handler.setFormatter(JsonFormatter())

    def lines() -> list[dict]:
        handler.flush()
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line]

    lines.text = buffer.getvalue  # type: ignore[attr-defined]
    yield lines
    handler.setStream(stream)
    handler.setFormatter(formatter)


def of_request(lines: list[dict], request_id: str) -> list[dict]:
    return [line for line in lines if line.get("request_id") == request_id]


@pytest.mark.django_db(transaction=True)
def test_a_request_and_the_task_it_causes_share_one_request_id(
    cast, client_for, smtp_server, celery_worker, json_lines
):
    draft = alert_draft(cast.fr_ncp, destinations=["DE"])
    response = client_for(cast.fr_ncp).post(
        reverse("alerts:publish", args=[draft.pk]),
        {"audience": "network", "marking": "AMBER"},
        HTTP_X_REQUEST_ID="publish-4711",
    )
    assert response.status_code == 302 and response["X-Request-ID"] == "publish-4711"
    assert smtp_server.wait_for(1)

    def task_line():
        return next(
            (
                line
                for line in of_request(json_lines(), "publish-4711")
                if line.get("task_name") == "iconet.tasks.emails_deliver"
            ),
            None,
        )

    assert until(lambda: task_line() is not None)
    [request_line] = [
        line
        for line in of_request(json_lines(), "publish-4711")
        if line["logger"] == "iconet.request"
    ]
    assert request_line["method"] == "POST" and request_line["status"] == 302
    assert request_line["path"] == reverse("alerts:publish", args=[draft.pk])
    assert request_line["view"] == "alerts:publish" and request_line["duration_ms"] > 0
    assert request_line["user_id"] == cast.fr_ncp.pk
    assert request_line["organisation_id"] == cast.fr_ncp.organisation_id
    task = task_line()
    assert task["task_id"] and task["user_id"] == cast.fr_ncp.pk
    assert {"time", "level", "logger", "message"} <= set(task)
    # No content of the alert, no name, no address, in any line.
    text = json_lines.text()
    for secret in (draft.headline, cast.fr_ncp.username, cast.de_ncp.email, cast.fr_ncp.last_name):
        assert secret not in text


@pytest.mark.django_db
def test_an_ordinary_404_is_one_line_without_a_traceback(cast, client_for, json_lines):
    from tests.items import item_make

    draft = item_make("alerts.alert", author=cast.fr_officer, state="draft", audience="owner")
    missing = client_for(cast.de_ncp).get(reverse("alerts:detail", args=[draft.pk]))
    forbidden = client_for(cast.fr_officer).get(reverse("alerts:publish", args=[draft.pk]))
    assert (missing.status_code, forbidden.status_code) == (404, 403)
    for response, status in ((missing, 404), (forbidden, 403)):
        [line] = of_request(json_lines(), response["X-Request-ID"])
        assert line["status"] == status and line["level"] == "WARNING"
        assert "exception" not in line
    assert "Traceback" not in json_lines.text()


@pytest.mark.django_db
def test_a_request_refused_as_suspicious_names_its_reason_in_one_line(cast, client_for, json_lines):
    refused = client_for(cast.fr_ncp).get(reverse("search"), {"q": "route\x00"})
    assert refused.status_code == 400
    lines = of_request(json_lines(), refused["X-Request-ID"])
    assert [line["logger"] for line in lines] == [
        "django.security.SuspiciousOperation",
        "iconet.request",
    ]
    assert all("exception" not in line for line in lines)
    assert "Traceback" not in json_lines.text()


@pytest.mark.django_db
def test_the_query_string_stays_out_and_an_insane_request_id_is_replaced(
    cast, client_for, json_lines
):
    response = client_for(cast.fr_ncp).get(
        reverse("alerts:list"), {"q": "smuggler-name"}, HTTP_X_REQUEST_ID="bad id\nwith lines"
    )
    request_id = response["X-Request-ID"]
    assert request_id != "bad id\nwith lines" and len(request_id) == 32
    [line] = of_request(json_lines(), request_id)
    assert line["path"] == reverse("alerts:list")
    assert "smuggler-name" not in json_lines.text()


def test_an_address_in_a_message_is_masked_and_the_text_format_reads_as_text():
    record = logging.LogRecord(
        "iconet.outbox.tasks", logging.WARNING, "x", 1, "refused %s", ("a@b.eu",), None
    )
    with log_context_bound(request_id="abc123"):
        ContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "refused <e-mail>" and line["request_id"] == "abc123"
    text = TextFormatter().format(record)
    assert "WARNING" in text and "[abc123]" in text and "a@b.eu" not in text


@pytest.mark.django_db
def test_a_health_check_answering_503_is_a_warning_not_an_error(
    client,
    json_lines,
    no_heartbeat,  # noqa: F811 - the fixture imported above
):
    """A newcomer starting the portal sees the worker reported down until it beats: a warning."""
    response = client.get(reverse("health_background"))
    assert response.status_code == 503
    [line] = [line for line in json_lines() if line["logger"] == "iconet.request"]
    assert line["level"] == "WARNING" and line["status"] == 503
