"""Logs and error reports in production.

- Every request gets an id (`X-Request-ID` from the reverse proxy when it is a sane
  token, a new one otherwise), sent back in the response and added to every log record
  written while the request is served (`RequestIdMiddleware`, `RequestIdFilter`).
- `logging_config(json=True)`: one JSON object per line on the standard error
  (python-json-logger), with the time, level, logger, message and request id.
- `init_sentry(dsn)`: error reports to Sentry only when a DSN is given, never with
  personal data (`send_default_pii=False`, no request bodies).

Loaded by the settings: this module imports nothing of Django's at module level."""

import contextvars
import logging
import re
import uuid

request_id = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id.get()
        return True


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        request.request_id = rid
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[HEADER] = rid
        return response


def logging_config(*, json: bool, level: str = "WARNING") -> dict:
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        if json
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "cdvs.core.observability.RequestIdFilter"}},
        "formatters": {"main": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }


def init_sentry(dsn: str, *, environment: str, release: str = "", traces: float = 0.0):
    """Start the Sentry SDK when `dsn` is set; returns whether it was started."""
    if not dsn:
        return False
    import sentry_sdk  # lazy: only in processes that report to Sentry
    from sentry_sdk.integrations.django import DjangoIntegration  # lazy: same

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=traces,
        integrations=[DjangoIntegration()],
    )
    return True
