"""One application error, mapped in one place to the API's `{"code", "detail"}` JSON.

Services raise `AppError(code, detail, status)` with `detail` already in the user's language; the
DRF exception handler below turns it (and DRF's own errors) into the API's error body. Pages catch
it to show the message, or let `eduai.middleware.ErrorMiddleware` render the app's error page.
"""
from __future__ import annotations

import traceback

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import OperationalError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class AppError(Exception):
    """Something the user asked for cannot be done: a machine-readable code, a message in the user's
    language and the HTTP status the API answers with. Extra keyword arguments go into the body."""

    def __init__(self, code: str, detail, status: int = status.HTTP_400_BAD_REQUEST, **extra):
        super().__init__(str(detail))
        self.code, self.detail, self.status, self.extra = code, str(detail), status, extra

    def body(self) -> dict:
        return {"code": self.code, "detail": self.detail, **self.extra}


def not_found(detail=None) -> AppError:
    return AppError("not_found", detail or _("Not found."), status.HTTP_404_NOT_FOUND)


def bad_request(detail=None) -> AppError:
    return AppError("bad_request", detail or _("The request could not be understood."))


def json_too_deep() -> AppError:
    return AppError("parse_error", _("The JSON is nested too deeply."))


def error_for(exc: BaseException | None) -> AppError | None:
    """The AppError for an exception Django or the database raise on bad or unlucky requests (a body
    over the size limit, too many fields, JSON nested too deeply, a database still locked after the
    wait), None for others."""
    if isinstance(exc, AppError):
        return exc
    if isinstance(exc, RequestDataTooBig):
        return AppError("request_too_large", _("The request is too large."), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, TooManyFieldsSent):
        return AppError("too_many_fields", _("The form has too many fields."))
    if isinstance(exc, TooManyFilesSent):
        return AppError("too_many_files", _("Too many files in one request; send them in smaller groups."))
    if isinstance(exc, (SuspiciousOperation, BadRequest, MultiPartParserError)):
        return bad_request()
    if isinstance(exc, RecursionError) and _raised_decoding_json(exc):
        return json_too_deep()
    if isinstance(exc, OperationalError) and _is_lock_timeout(exc):
        return AppError("busy", _("The server is busy. Try again in a moment."), status.HTTP_503_SERVICE_UNAVAILABLE)
    return None


def _raised_decoding_json(error: RecursionError) -> bool:
    """Raised by the json module: a body nested deeper than Python's recursion limit. Views with their
    own parser list (DRF's token view, some labeling views) use DRF's JSONParser, which lets it escape."""
    frames = [frame for frame, _line in traceback.walk_tb(error.__traceback__)]
    return bool(frames) and frames[-1].f_globals.get("__name__", "").split(".")[0] == "json"


def _is_lock_timeout(error: OperationalError) -> bool:
    """SQLite's "database is locked" and PostgreSQL's lock and statement timeouts."""
    text = str(error).lower()
    return "locked" in text or "lock timeout" in text or "canceling statement due to" in text


def _first_message(detail):
    """The first human message of a (possibly nested) DRF error structure, and its field."""
    if isinstance(detail, dict):
        field, value = next(iter(detail.items()))
        message, _field = _first_message(value)
        return message, field
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return detail, None


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every API error is `{"code", "detail"}` with the right status."""
    if isinstance(exc, AppError):
        return Response(exc.body(), status=exc.status)
    mapped = error_for(exc)
    if mapped is not None:
        return Response(mapped.body(), status=mapped.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        message, field = _first_message(exc.detail)
        body = {"code": getattr(message, "code", "invalid"), "detail": str(message)}
        if field is not None:
            body["field"] = field
        body["errors"] = response.data
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data.get("detail", "")
        body = {"code": getattr(detail, "code", None) or getattr(exc, "default_code", "error"), "detail": str(detail)}
    response.data = body
    return response
