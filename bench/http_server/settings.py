"""The settings bench/http_load.py serves the portal with under gunicorn: the real ones, plus one
trivial page behind the same middleware (urls.py beside it) and a header on every response
giving its server time split into SQL and the rest."""

import time

from django.db import connection

from iconet.settings import *  # noqa: F403
from iconet.settings import MIDDLEWARE

DEBUG = False
ROOT_URLCONF = "bench.http_server.urls"
MIDDLEWARE = ["bench.http_server.settings.ServerTiming", *MIDDLEWARE]


class ServerTiming:
    """Adds `Server-Timing: sql;dur=…, app;dur=…` (milliseconds) and the number of queries."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        spent = {"sql": 0.0, "queries": 0}

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent["sql"] += time.perf_counter() - started
                spent["queries"] += 1

        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            response = self.get_response(request)
        total = time.perf_counter() - started
        response["Server-Timing"] = (
            f"sql;dur={spent['sql'] * 1000:.2f}, app;dur={(total - spent['sql']) * 1000:.2f}"
        )
        response["X-Bench-Queries"] = str(spent["queries"])
        return response
