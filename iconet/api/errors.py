"""Errors of the API as JSON: `detail`, and `errors` by field for a refused input."""

from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
        errors = {
            field: [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for field, messages in response.data.items()
        }
        detail = errors.pop("detail", None) or errors.pop("non_field_errors", None)
        response.data = {
            "detail": " ".join(detail) if detail else "The request is not valid.",
            "errors": errors,
        }
    elif isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": " ".join(str(m) for m in response.data), "errors": {}}
    return response
