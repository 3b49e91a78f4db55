"""Every API error is JSON `{"code": ..., "detail": ...}`, with `detail` in the request's language."""
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(APIException):
    """An error with its own machine-readable code, HTTP status and translated message."""

    def __init__(self, *, code: str, detail: str, status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(detail=detail, code=code)
        self.status_code = status_code


def _first_message(detail):
    """The first human message of a (possibly nested) DRF error structure, and its field."""
    if isinstance(detail, dict):
        field, value = next(iter(detail.items()))
        message, _ = _first_message(value)
        return message, field
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return detail, None


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        message, field = _first_message(exc.detail)
        code = getattr(message, "code", "invalid")
        body = {"code": code, "detail": str(message)}
        if field is not None:
            body["field"] = field
        body["errors"] = response.data
    else:
        detail = exc.detail if isinstance(exc, APIException) else response.data.get("detail", "")
        body = {"code": getattr(detail, "code", None) or getattr(exc, "default_code", "error"), "detail": str(detail)}
    response.data = body
    return response
