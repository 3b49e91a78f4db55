"""Server-rendered pages: Spanish by default, English on request, login."""
from django.conf import settings


def test_analyze_page_is_in_spanish_for_an_anonymous_visitor_even_with_an_english_browser(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Analiza una foto" in html and "Inicia sesión para analizar" in html
    assert 'id="image-input"' not in html


def test_language_switch_turns_the_page_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and "Analyze a photo" in html


def test_logged_in_student_sees_the_uploader(client, student, active_model):
    client.force_login(student)
    html = client.get("/").content.decode()
    assert 'id="image-input"' in html and "Arrastra una foto aquí" in html
    assert 'id="i18n-strings"' in html and "Analizando" in html
    assert "Todavía no has analizado ninguna foto." in html


def test_page_says_when_no_model_is_ready(client, student):
    client.force_login(student)
    assert "Todavía no hay ningún modelo activo" in client.get("/").content.decode()


def test_login_page_and_wrong_password_message(client, student):
    assert "Contraseña" in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/login/", {"username": "ana", "password": "wrong"})
    assert "Usuario o contraseña incorrectos" in response.content.decode()
    response = client.post("/accounts/login/", {"username": "ana", "password": "s3cret-pass!"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_front_end_libraries_are_served_locally(client, db):
    html = client.get("/").content.decode()
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in html
    assert "cdn" not in html.lower() and "https://" not in html
