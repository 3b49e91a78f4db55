import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils import translation
from django.utils.cache import patch_vary_headers

from eduai.error_views import error_response, is_api_request
from eduai.errors import AppError, error_for

logger = logging.getLogger(__name__)


class LanguageMiddleware:
    """Pages are in Spanish unless the visitor chose otherwise (language cookie); the API follows
    the request (cookie, then Accept-Language), so API clients get errors in their own language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_request(request):
            language = translation.get_language_from_request(request)
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class ErrorMiddleware:
    """Bad or unlucky requests get a 4xx or 503, never a 500: a body announced over the request limit is
    refused before anything reads it, and the exceptions `error_for` knows that a view raises (a database
    still locked, an AppError a page does not catch) become the app's error page, or JSON under /api/.
    DRF views map the same exceptions in `api_exception_handler`; Django's handlers (eduai/error_views.py)
    answer those raised outside views. Last in MIDDLEWARE, so the page knows the user and the language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = body_over_limit(request)  # Django logs the 413 like any 4xx response
        if refused is not None:
            return error_response(request, refused)
        return self.get_response(request)

    def process_exception(self, request, exception):
        error = error_for(exception)
        if error is None:
            return None
        logger.warning("Refused %s %s: %s (%s)", request.method, request.path, error.code, exception)
        return error_response(request, error)


def body_over_limit(request) -> AppError | None:
    """The 413 for a body whose Content-Length is over EDUAI_MAX_REQUEST_BYTES. Django itself refuses a
    non-file body over DATA_UPLOAD_MAX_MEMORY_SIZE (and DRF's JSON and form parsers go through it), but
    streams a multipart upload of any size to disk."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None  # Django reads no body at all then
    return error_for(RequestDataTooBig()) if length > settings.EDUAI_MAX_REQUEST_BYTES else None
