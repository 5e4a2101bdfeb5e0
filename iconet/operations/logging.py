"""Logging of the portal: one line per event, JSON in production, readable text in development.

Every line carries the context it happened in: the request id (taken from a sane incoming
`X-Request-ID`, else made here; returned in the response and passed into every Celery task the
request causes), the signed-in user's id and organisation id, and in a worker the task's name
and id. Lines never carry item content or personal data: no names, no e-mail addresses (masked
if a message holds one), no query strings, no form data. The request line itself is written by
`iconet.middleware.RequestObservedMiddleware`.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# What a log line says about where it happened; set per request (middleware) or per task
# (Celery signals), in a context variable so that threads and tasks never mix theirs.
CONTEXT_FIELDS = ("request_id", "user_id", "organisation_id", "task_name", "task_id")
_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "iconet_log_context", default=None
)


def _current() -> dict[str, Any]:
    return _context.get() or {}


# The fields of a request line (`extra=` of the request logger), in this order after the context.
REQUEST_FIELDS = ("method", "path", "view", "status", "duration_ms")

# An incoming X-Request-ID is kept only when it is a short token of safe characters.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_from(header: str | None) -> str:
    """The incoming request id if it is sane, else a new one."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return request_id_new()


def log_context() -> dict[str, Any]:
    """The context of the current request or task (a copy)."""
    return dict(_current())


def log_context_update(**values: Any) -> None:
    """Add to the current context (e.g. the user, once authentication has run)."""
    _context.set({**_current(), **values})


@contextmanager
def log_context_bound(**values: Any) -> Iterator[None]:
    """The context of one request or task, cleared when it ends."""
    token = _context.set({key: value for key, value in values.items() if value is not None})
    try:
        yield
    finally:
        _context.reset(token)


def log_context_set(**values: Any) -> contextvars.Token:
    """Start the context of a task (`task_prerun`); `log_context_reset` ends it."""
    return _context.set({key: value for key, value in values.items() if value is not None})


def log_context_reset(token: contextvars.Token | None) -> None:
    if token is None:
        _context.set({})
        return
    try:
        _context.reset(token)
    except ValueError:  # set in another context (a signal sent from elsewhere): just clear
        _context.set({})


def request_observed_mark(request: Any) -> None:
    """The request line of this request will be written (`RequestObservedMiddleware`)."""
    request._iconet_observed = True


def request_observed(request: Any) -> bool:
    return bool(getattr(request, "_iconet_observed", False))


class ContextFilter(logging.Filter):
    """Puts the current request's or task's context on every record a handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _current()
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, context.get(name))
        return True


class OrdinaryRefusalFilter(logging.Filter):
    """A 403 or 404 (any client error) is an ordinary answer: its one line is the request line
    that `RequestObservedMiddleware` writes (status, path, URL name), so Django's own line for
    it is dropped, and with it the traceback Django attaches. A 403 or 404 outside that
    middleware keeps Django's line without the traceback; a real error (500) keeps both."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if status is not None and status < 500 and request is not None:
            if request_observed(request):
                return False
        if status in (403, 404) and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True


class SuspiciousRequestFilter(logging.Filter):
    """A request refused as suspicious (a NUL byte, a forged host, too many fields) is a 400 the
    client caused: Django's security line names the reason, which is worth one line, while the
    traceback it attaches only shows Django's own refusal code. (A handler's filter: Django logs
    these on a child logger per exception class, which a filter on `django.security` would not
    see.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security."):
            record.exc_info = None
            record.exc_text = None
        return True


def masked(text: str) -> str:
    """A message with any e-mail address in it masked (personal data stays out of the log)."""
    return EMAIL_ADDRESS.sub("<e-mail>", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with a fixed set of keys.

    Our own rather than python-json-logger: that library writes every attribute a record carries
    (Django's request logger attaches the request object, whose text holds the query string),
    where this one writes only the fields named here, so nothing else can slip into a line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": masked(record.getMessage()),
        }
        for name in (*CONTEXT_FIELDS, *REQUEST_FIELDS):
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = masked(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = masked(record.exc_text)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The development format: time, level, logger, request id (and task), message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(where)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        shown = logging.makeLogRecord(record.__dict__)  # other handlers keep the record as it is
        where = getattr(record, "request_id", None) or "-"
        task = getattr(record, "task_name", None)
        shown.where = f"{where} {task}" if task else where
        return masked(super().format(shown))


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING setting: one console handler, JSON or text."""
    if log_format not in {"json", "text"}:
        raise ValueError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "iconet.operations.logging.ContextFilter"},
            "ordinary_refusal": {"()": "iconet.operations.logging.OrdinaryRefusalFilter"},
            "suspicious_request": {"()": "iconet.operations.logging.SuspiciousRequestFilter"},
        },
        "formatters": {
            "json": {"()": "iconet.operations.logging.JsonFormatter"},
            "text": {"()": "iconet.operations.logging.TextFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context", "suspicious_request"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            "django.request": {"filters": ["ordinary_refusal"]},
            # The development server's own line repeats the request line, query string included.
            "django.server": {"level": "WARNING"},
        },
    }
