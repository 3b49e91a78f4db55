"""The app's error pages, and `{"code", "detail"}` JSON for the same errors under /api/.

Django calls the handlers (handler400/403/404/500 in eduai/urls.py, CSRF_FAILURE_VIEW) for errors no
view answered: an unknown URL, a form with too many fields refused while the CSRF middleware reads it,
an exception nobody mapped. `eduai.middleware.ErrorMiddleware` answers the errors views raise with the
same `error_response`, so pages and API behave alike.
"""
import logging
import sys

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from rest_framework import exceptions, status

from eduai import errors
from eduai.errors import AppError, error_for

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
TITLES = {
    403: gettext_lazy("You can't open this page"),
    404: gettext_lazy("Page not found"),
    500: gettext_lazy("Something went wrong on our side"),
}
DEFAULT_TITLE = gettext_lazy("The request could not be completed")

# Needs no template, no database and no URL lookup: what is left when the layout itself fails.
MINIMAL_PAGE = ('<!doctype html><html lang="{}"><head><meta charset="utf-8"><title>{} · EduAI</title></head>'
                '<body><main><h1>{}</h1><p>{}</p><p><a href="/">{}</a></p></main></body></html>')


def is_api_request(request) -> bool:
    """API requests get JSON errors and follow Accept-Language; pages get the layout and the cookie."""
    return request.path.startswith(API_PREFIX)


def error_response(request, error: AppError) -> HttpResponse:
    """`error` as `{"code", "detail"}` JSON under /api/, otherwise as the app's page, with its status."""
    if is_api_request(request):
        return JsonResponse(error.body(), status=error.status, json_dumps_params={"ensure_ascii": False})
    return error_page(request, status=error.status, detail=error.detail)


def error_page(request, *, status: int, detail) -> HttpResponse:
    """The error page in the app's layout; a minimal page if the layout cannot be rendered (it reads the
    user and the messages, so it needs the database, which may be what broke)."""
    context = {"status": status, "title": TITLES.get(status, DEFAULT_TITLE), "detail": detail}
    try:
        return render(request, "errors/error.html", context, status=status)
    except Exception:
        logger.exception("The %s page could not be rendered in the layout; sending the minimal page", status)
    return HttpResponse(format_html(MINIMAL_PAGE, get_language() or settings.LANGUAGE_CODE, context["title"],
                                    context["title"], context["detail"], _("Go to the start page")), status=status)


def bad_request(request, exception):
    """handler400: the SuspiciousOperation Django caught (too many fields or files, a body over the
    limit) keeps its own code and status (413 for a body over the limit)."""
    return error_response(request, error_for(exception) or errors.bad_request())


def permission_denied(request, exception):
    """handler403."""
    if is_api_request(request):
        error = AppError("permission_denied", exceptions.PermissionDenied.default_detail, status.HTTP_403_FORBIDDEN)
    else:
        error = AppError("permission_denied", _("You don't have permission to see this page."),
                         status.HTTP_403_FORBIDDEN)
    return error_response(request, error)


def page_not_found(request, exception):
    """handler404."""
    if is_api_request(request):
        return error_response(request, errors.not_found())
    return error_page(request, status=status.HTTP_404_NOT_FOUND,
                      detail=_("The page you are looking for does not exist or has moved."))


def server_error(request):
    """handler500; never fails itself. An exception `error_for` knows that was raised outside a view (a
    database still locked while a middleware saves the session) keeps its own status (503)."""
    error = error_for(sys.exc_info()[1]) or AppError(
        "server_error", _("Something went wrong. Try again."), status.HTTP_500_INTERNAL_SERVER_ERROR)
    return error_response(request, error)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the same 403 as handler403, saying what to do about it."""
    error = AppError("permission_denied",
                     _("The form expired or was sent from another site. Reload the page and try again."),
                     status.HTTP_403_FORBIDDEN)
    return error_response(request, error)
