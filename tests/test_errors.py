"""Bad or unlucky requests get a 4xx (or 503), never a 500: `{"code", "detail"}` JSON under /api/ and the
app's own page elsewhere, in the request's language, and they leave no rows behind."""
import contextlib
import io
import json
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.utils import translation
from django.utils.html import escape
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from classifier.models import Analysis, StoredImage
from eduai import urls as app_urls
from eduai.errors import AppError
from eduai.middleware import ErrorMiddleware
from eduai.parsers import JSONParser
from tests import images

NESTED_JSON = b"[" * 100_000 + b"]" * 100_000
PASSWORD = "s3cret-pass!"  # tests/conftest.py's make_user
NAVIGATION = {"es": "Analizar", "en": "Analyze"}  # the first link of base.html's navigation bar


# URLs that only these tests need (@pytest.mark.urls("tests.test_errors")), in front of the app's own.
def broken_view(request):
    raise RuntimeError("a bug in a view")


def counting_view(request):
    return HttpResponse(get_user_model().objects.count())


def remembering_view(request):
    request.session["visited"] = True  # saved by SessionMiddleware after the view, outside it
    return HttpResponse("ok")


@require_POST
def plain_form_view(request):
    return HttpResponse("ok")  # a plain Django view under /api/: Django's CSRF check, not DRF's


urlpatterns = [
    path("test-errors/broken/", broken_view),
    path("api/test-errors/broken/", broken_view),
    path("test-errors/count/", counting_view),
    path("test-errors/remember/", remembering_view),
    path("api/test-errors/form/", plain_form_view),
    *app_urls.urlpatterns,
]
handler400 = getattr(app_urls, "handler400", None)
handler403 = getattr(app_urls, "handler403", None)
handler404 = getattr(app_urls, "handler404", None)
handler500 = getattr(app_urls, "handler500", None)


def in_language(language: str, message: str) -> str:
    """`message` as the catalogue has it in `language` (new strings may still be untranslated)."""
    with translation.override(language):
        return translation.gettext(message)


def assert_json_error(response, status: int, code: str, language: str = "es", detail: str | None = None):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    if detail is not None:
        assert body["detail"] == in_language(language, detail)
    return body


def assert_app_page(response, status: int, language: str = "es", detail: str | None = None) -> str:
    """The app's layout (navigation bar, language buttons) in `language`, not Django's bare page."""
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert '<nav class="navbar' in html and 'id="language-form"' in html and NAVIGATION[language] in html
    assert 'id="error-page"' in html
    if detail is not None:
        assert escape(in_language(language, detail)) in html
    return html


def rows() -> dict:
    return {model.__name__: model.objects.count() for model in (Token, Session, StoredImage, Analysis)}


def assert_nothing_left(media_root, rows_before: dict):
    assert rows() == rows_before
    assert [item for item in media_root.rglob("*") if item.is_file()] == []


NO_ROWS = {"Token": 0, "Session": 0, "StoredImage": 0, "Analysis": 0}


def tiny_jpegs(count: int) -> list:
    return [SimpleUploadedFile(f"photo{number}.jpg", images.jpeg(), content_type="image/jpeg")
            for number in range(count)]


@contextlib.contextmanager
def database_locked(*models):
    """Another connection holds the lock that writing (SQLite) or reading `models` (PostgreSQL) needs,
    and this connection gives up after 200 ms instead of the configured wait."""
    other = connection.copy()
    with other.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")  # the database's one write lock, until ROLLBACK
        else:
            cursor.execute("BEGIN")
            tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
            cursor.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA busy_timeout")
            waited_before = cursor.fetchone()[0]
            cursor.execute("PRAGMA busy_timeout = 200")
        else:
            cursor.execute("SET lock_timeout = '200ms'")
    try:
        yield
    finally:
        with other.cursor() as cursor:
            cursor.execute("ROLLBACK")
        other.close()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA busy_timeout = {int(waited_before)}")
            else:
                cursor.execute("RESET lock_timeout")


def login_form(user, extra: dict) -> dict:
    """Right username and password plus `extra`: were the form not refused, the login would succeed."""
    return {"username": user.username, "password": PASSWORD, **extra}


TOO_MANY_FIELDS = {f"field{n}": "x" for n in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)}


def page_client(csrf_checks: bool) -> Client:
    """With the CSRF check on (as in production), the CSRF middleware reads the form, outside any view;
    the test client turns it off, so the view reads it: both must answer with the app's page."""
    client = Client(enforce_csrf_checks=csrf_checks)
    if csrf_checks:
        client.get("/accounts/login/")  # the CSRF cookie, as a browser has it
    return client


# --- JSON nested 100,000 levels deep ------------------------------------------------------------------

@pytest.mark.parametrize("language", ["es", "en"])
def test_deeply_nested_json_to_the_token_endpoint_is_a_400(db, media_root, language):
    """DRF's token view lists its own parsers (DRF's JSONParser): error_for maps what escapes it."""
    before = rows()
    response = Client().post("/api/v1/auth/token/", NESTED_JSON, content_type="application/json",
                             HTTP_ACCEPT_LANGUAGE=language)
    assert_json_error(response, 400, "parse_error", language, "The JSON is nested too deeply.")
    assert_nothing_left(media_root, before)


def test_deeply_nested_json_to_a_view_with_the_default_parsers_is_a_400(api, media_root):
    before = rows()
    response = api.post("/api/v1/augmentation-previews/", NESTED_JSON, content_type="application/json")
    assert_json_error(response, 400, "parse_error", "es", "The JSON is nested too deeply.")
    assert_nothing_left(media_root, before)


def test_the_default_json_parser_refuses_deep_nesting_and_parses_the_rest():
    with pytest.raises(AppError) as refused:
        JSONParser().parse(io.BytesIO(NESTED_JSON), "application/json", {})
    assert (refused.value.code, refused.value.status) == ("parse_error", 400)
    deep_but_fine = b'{"a": ' * 200 + b"1" + b"}" * 200
    assert JSONParser().parse(io.BytesIO(deep_but_fine), "application/json", {})["a"]["a"]["a"]


# --- bodies over the limits ---------------------------------------------------------------------------

# Django refuses a non-file body over DATA_UPLOAD_MAX_MEMORY_SIZE when it is read (request.body,
# request.POST; DRF's JSON and form parsers read request.body): by the view or the CSRF middleware.
@pytest.mark.parametrize("url", ["/api/v1/auth/token/", "/api/v1/augmentation-previews/"])
def test_json_body_over_the_memory_limit_is_a_413_before_it_is_read(api, student, media_root, url):
    padding = "x" * django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps({"username": student.username, "password": PASSWORD, "padding": padding})
    before = rows()
    response = api.post(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert_json_error(response, 413, "request_too_large", "en", "The request is too large.")
    assert not response.wsgi_request._read_started  # refused from its Content-Length
    assert_nothing_left(media_root, before)


@pytest.mark.parametrize("csrf_checks", [False, True], ids=["read-by-the-view", "read-by-the-csrf-middleware"])
def test_form_over_the_memory_limit_is_the_413_page(student, media_root, csrf_checks):
    client = page_client(csrf_checks)
    form = urlencode(login_form(student, {"padding": "x" * django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE}))
    before = rows()
    response = client.post("/accounts/login/", form, content_type="application/x-www-form-urlencoded")
    assert_app_page(response, 413, "es", "The request is too large.")
    assert_nothing_left(media_root, before)


def test_upload_over_the_request_limit_is_refused_before_it_is_read(api, active_model, media_root, settings):
    photo = images.jpeg(640, 480)
    settings.EDUAI_MAX_REQUEST_BYTES = len(photo)  # the photo fits, the form around it does not
    before = rows()
    response = api.post("/api/v1/analyses/", {"image": SimpleUploadedFile("big.jpg", photo)}, format="multipart")
    assert_json_error(response, 413, "request_too_large", "es", "The request is too large.")
    assert not response.wsgi_request._read_started
    assert_nothing_left(media_root, before)


def test_multipart_form_over_the_request_limit_is_the_413_page(student, media_root, settings):
    settings.EDUAI_MAX_REQUEST_BYTES = 20_000
    before = rows()
    response = Client().post("/accounts/login/", {"username": student.username, "password": PASSWORD,
                                                  "padding": "x" * 30_000})
    assert_app_page(response, 413, "es", "The request is too large.")
    assert_nothing_left(media_root, before)


def test_a_zip_at_its_size_limit_still_fits_in_one_request(rf, settings):
    """The gallery sends a big .zip on its own: the file at EDUAI_MAX_ZIP_BYTES plus the form around it."""
    passed = HttpResponse("passed")
    middleware = ErrorMiddleware(lambda request: passed)
    form_around_it = 64 * 1024
    upload = rf.post("/api/v1/classes/1/images/", CONTENT_LENGTH=str(settings.EDUAI_MAX_ZIP_BYTES + form_around_it))
    assert middleware(upload) is passed
    too_big = rf.post("/api/v1/classes/1/images/", CONTENT_LENGTH=str(settings.EDUAI_MAX_REQUEST_BYTES + 1))
    assert middleware(too_big).status_code == 413


# --- too many fields, too many files ------------------------------------------------------------------

def test_too_many_fields_to_the_api_is_a_400(student, media_root):
    before = rows()
    response = Client().post("/api/v1/auth/token/", urlencode(login_form(student, TOO_MANY_FIELDS)),
                             content_type="application/x-www-form-urlencoded", HTTP_ACCEPT_LANGUAGE="en")
    assert_json_error(response, 400, "too_many_fields", "en", "The form has too many fields.")
    assert_nothing_left(media_root, before)


@pytest.mark.parametrize("csrf_checks", [False, True], ids=["read-by-the-view", "read-by-the-csrf-middleware"])
def test_too_many_fields_in_a_page_form_is_the_400_page(student, media_root, csrf_checks):
    client = page_client(csrf_checks)
    before = rows()
    response = client.post("/accounts/login/", urlencode(login_form(student, TOO_MANY_FIELDS)),
                           content_type="application/x-www-form-urlencoded")
    assert_app_page(response, 400, "es", "The form has too many fields.")
    assert_nothing_left(media_root, before)


def test_too_many_files_to_the_api_is_a_400(api, active_model, media_root):
    files = tiny_jpegs(django_settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
    before = rows()
    response = api.post("/api/v1/analyses/", {"image": files}, format="multipart", HTTP_ACCEPT_LANGUAGE="en")
    assert_json_error(response, 400, "too_many_files", "en",
                      "Too many files in one request; send them in smaller groups.")
    assert_nothing_left(media_root, before)


@pytest.mark.parametrize("csrf_checks", [False, True], ids=["read-by-the-view", "read-by-the-csrf-middleware"])
def test_too_many_files_in_a_page_form_is_the_400_page(student, media_root, csrf_checks):
    client = page_client(csrf_checks)
    files = tiny_jpegs(django_settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
    before = rows()
    response = client.post("/accounts/login/", login_form(student, {"files": files}))
    assert_app_page(response, 400, "es", "Too many files in one request; send them in smaller groups.")
    assert_nothing_left(media_root, before)


# --- a database still locked after the wait -----------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_database_locked_beyond_the_wait_is_a_503_from_the_api(student, media_root):
    credentials = {"username": student.username, "password": PASSWORD}
    with database_locked(Token):
        response = Client().post("/api/v1/auth/token/", credentials, HTTP_ACCEPT_LANGUAGE="en")
    assert_json_error(response, 503, "busy", "en", "The server is busy. Try again in a moment.")
    assert_nothing_left(media_root, NO_ROWS)
    assert Client().post("/api/v1/auth/token/", credentials).status_code == 200  # once the lock is gone


@pytest.mark.django_db(transaction=True)
def test_database_locked_beyond_the_wait_is_the_503_page(student, media_root):
    client = Client()
    credentials = {"username": student.username, "password": PASSWORD}
    with database_locked(Session):
        response = client.post("/accounts/login/", credentials)
    assert_app_page(response, 503, "es", "The server is busy. Try again in a moment.")
    assert_nothing_left(media_root, NO_ROWS)
    assert client.post("/accounts/login/", credentials).status_code == 302  # once the lock is gone


@pytest.mark.urls("tests.test_errors")
@pytest.mark.django_db(transaction=True)
def test_database_locked_while_a_middleware_writes_is_a_503_too(media_root):
    """SessionMiddleware saves the session after the view, outside it: Django's handler500 keeps the 503."""
    with database_locked(Session):
        response = Client(raise_request_exception=False).get("/test-errors/remember/")
    assert_app_page(response, 503, "es", "The server is busy. Try again in a moment.")
    assert_nothing_left(media_root, NO_ROWS)


# --- unknown URLs, 403, CSRF, 500 ---------------------------------------------------------------------

@pytest.mark.parametrize("language, detail", [("es", "No encontrado."), ("en", "Not found.")])
def test_unknown_api_url_is_a_json_404_in_the_request_language(db, language, detail):
    response = Client().get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert response.json() == {"code": "not_found", "detail": detail}


PAGE_NOT_FOUND = "The page you are looking for does not exist or has moved."


def test_unknown_page_is_the_app_404_page_in_spanish_by_default(db):
    response = Client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")  # pages ignore Accept-Language
    html = assert_app_page(response, 404, "es", PAGE_NOT_FOUND)
    assert f"<h1 class=\"h3 mb-3\">{in_language('es', 'Page not found')}</h1>" in html


def test_unknown_page_is_in_english_with_the_language_cookie(db):
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    html = assert_app_page(client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es"), 404, "en", PAGE_NOT_FOUND)
    assert '<h1 class="h3 mb-3">Page not found</h1>' in html


def test_a_page_you_may_not_open_is_the_app_403_page(client, student, classroom):
    client.force_login(student)
    html = assert_app_page(client.get(f"/classes/{classroom.pk}/labeling/disputes/"), 403, "es",
                           "You don't have permission to see this page.")
    assert student.username in html  # the layout still knows who you are


def test_csrf_failure_on_a_page_is_the_app_403_page(student, media_root):
    before = rows()
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", login_form(student, {}))
    assert_app_page(response, 403, "es",
                    "The form expired or was sent from another site. Reload the page and try again.")
    assert_nothing_left(media_root, before)


@pytest.mark.urls("tests.test_errors")
def test_csrf_failure_under_the_api_is_json(db):
    response = Client(enforce_csrf_checks=True).post("/api/test-errors/form/", {"a": "b"}, HTTP_ACCEPT_LANGUAGE="en")
    assert_json_error(response, 403, "permission_denied", "en",
                      "The form expired or was sent from another site. Reload the page and try again.")


def test_csrf_failure_of_a_logged_in_api_call_is_json(student):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(student)
    response = client.post("/api/v1/augmentation-previews/", {"analysis": 1}, format="json")
    assert_json_error(response, 403, "permission_denied")


@pytest.mark.urls("tests.test_errors")
def test_a_bug_in_a_view_is_the_app_500_page(db):
    response = Client(raise_request_exception=False).get("/test-errors/broken/")
    assert_app_page(response, 500, "es", "Something went wrong. Try again.")
    assert "Algo salió mal. Inténtalo de nuevo." in response.content.decode()


@pytest.mark.urls("tests.test_errors")
@pytest.mark.parametrize("language, detail", [("es", "Algo salió mal. Inténtalo de nuevo."),
                                              ("en", "Something went wrong. Try again.")])
def test_a_bug_in_an_api_view_is_a_json_500(db, language, detail):
    response = Client(raise_request_exception=False).get("/api/test-errors/broken/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "detail": detail}


@pytest.mark.urls("tests.test_errors")
def test_the_500_page_needs_no_database(student):
    client = Client(raise_request_exception=False)
    client.force_login(student)  # the layout would read the session and the user from the database

    def database_down(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(database_down):
        response = client.get("/test-errors/count/")
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="es">' in html and "Algo salió mal. Inténtalo de nuevo." in html
    assert 'id="language-form"' not in html  # the minimal page, not the layout
