"""Logging filters of the portal."""

import logging


class OrdinaryRefusalFilter(logging.Filter):
    """A 403 or 404 is an ordinary answer: Django's request logger keeps its one line and
    loses the traceback it attaches (a real error, 500, keeps it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status in (403, 404) and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
