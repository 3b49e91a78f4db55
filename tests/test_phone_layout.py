"""In Debian's Chromium at a phone's size (390 x 844): no page is wider than the screen, and the menu
folds behind a toggler that opens onto the links, the ES/EN buttons and the log-out button; at 1280 px
the menu is laid out in the bar without a toggler. Every page is shown in Spanish and in English, with
a screenshot of each at both widths in test-artifacts/ (phone-es-queue.png, desktop-en-models.png...)."""
import hashlib

import numpy as np
import pytest
from django.conf import settings
from PIL import Image

from tests import images
from tests.conftest import session_for
from tests.test_training_api import labelled, other_class, people  # noqa: F401 - fixtures
from tests.test_training_pages import finished_run  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.tensorflow]  # finished_run trains a tiny model

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# A camera's file name, as students upload them: one long word that must wrap, not widen the page.
LONG_NAME = "IMG_20240517_093512_foto_del_gato_de_mi_abuela_en_el_jardin_de_casa_version_final_definitiva.jpg"
# A class named the long way some schools do, in the class chooser and on the classes page.
LONG_CLASS = "2º Bachillerato de Ciencias y Tecnología, grupo B (tarde): optativa de Inteligencia Artificial"

# Elements sticking out to the right of the screen, for a failure message that says what to fix.
OVERFLOWING = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 0.5 && getComputedStyle(e).position !== 'fixed')
  .filter(e => !e.closest('.table-responsive, pre'))
  .slice(0, 8)
  .map(e => `${e.tagName.toLowerCase()}#${e.id}.${[...e.classList].join('.')} right=${Math.round(e.getBoundingClientRect().right)}`)"""


@pytest.fixture
def class_data(people, classroom, labelled, finished_run, make_user, join):  # noqa: F811 - fixtures
    """What a class has after a few weeks: pictures, one with a long file name, agreeing and disputed
    labels, a gold image, a simulated learning curve and a trained model (finished_run)."""
    from django.utils import timezone

    from eduai import classes
    from eduai.models import Job
    from labeling import learning_curve
    from labeling.services import import_image, label_image, mark_gold

    student, other, teacher = people["student"], make_user("bruno"), people["teacher"]
    join(other, classroom)
    classes.create_class(name=LONG_CLASS, teacher=teacher)  # her second class; `classroom` stays the current one
    classes.set_current_class(user=teacher, classroom=classroom)
    pictures = [import_image(classroom=classroom, content=images.jpeg(96 + 8 * i, 64 + 8 * i), name=f"foto-{i}.jpg",
                             value=None).image for i in range(4)]
    long_named = import_image(classroom=classroom, content=images.jpeg(160, 120), name=LONG_NAME, value=None).image
    for picture, (first, second) in zip([long_named, *pictures[:3]],
                                        [("cat", "dog"), ("dog", "dog"), ("cat", "cat"), ("neither", "cat")]):
        label_image(classroom=classroom, user=student, image=picture, value=first, strategy="random")
        label_image(classroom=classroom, user=other, image=picture, value=second, strategy="least_confidence")
    mark_gold(classroom=classroom, image=pictures[3], teacher=teacher, value="dog")
    label_image(classroom=classroom, user=student, image=pictures[3], value="dog", strategy="random")

    rng = np.random.default_rng(0)
    classes = np.repeat([0, 1], 60)
    embeddings = rng.normal(classes[:, None] * 1.0, 1.0, size=(120, 8)).astype(np.float32)
    keys = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(120)]
    result = learning_curve.simulate(embeddings, classes, keys, learning_curve.CurveSettings(sizes=(20, 50, 100), seeds=2))
    result["labels_needed"] = {**learning_curve.labels_needed(result, at=50), "at": 50}
    Job.objects.create(kind="learning_curve", classroom=classroom, status="succeeded", progress=1.0, params={},
                       result=result, finished_at=timezone.now())
    return {"classroom": classroom, "long_named": long_named, "run": finished_run}


def pages(data) -> list[tuple[str, str, str]]:
    """(name, path, selector present once the page's module has drawn it) for every page."""
    scope = f"/classes/{data['classroom'].pk}"
    return [
        ("analyze", "/", "#analyzer[data-ready=true]"),
        ("classes", "/classes/", "#class-list"),
        ("class", f"{scope}/", "#join-code"),
        ("labeling", f"{scope}/labeling/", "#status-counts"),
        ("gallery", f"{scope}/labeling/images/", "#uploader[data-ready=true]"),
        ("image", f"{scope}/labeling/images/{data['long_named'].pk}/", "#labels-table"),
        ("queue", f"{scope}/labeling/queue/", "#queue[data-state=ready]"),
        ("disputes", f"{scope}/labeling/disputes/", "#disputes"),
        ("agreement", f"{scope}/labeling/agreement/", "#gold-scores"),
        ("learning-curve", f"{scope}/labeling/learning-curve/", "#curve[data-status=succeeded]"),
        ("runs", f"{scope}/training/", "main table"),
        ("run", f"{scope}/training/{data['run'].pk}/", "#results:not(.d-none)"),
        ("augmentation", "/training/augmentation/", "#augment-form"),
        ("models", f"{scope}/models/", "main table"),
    ]


def open_page(page, url: str, ready: str) -> None:
    page.goto(url)
    page.wait_for_selector(ready, state="attached", timeout=15_000)
    page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true; })")  # what they hide too


def assert_fits_a_phone(page, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} is {width} px wide: {page.evaluate(OVERFLOWING, PHONE['width'])}"


def open_phone_menu(page) -> None:
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    assert not page.is_visible("#main-menu")  # folded until asked for
    toggler.click()
    page.wait_for_selector("#main-menu.collapse.show")  # the opening animation has finished
    assert toggler.get_attribute("aria-expanded") == "true"


def check_phone(page, name: str, language: str, artifacts_dir, *, scope: str = "", logged_in: bool = True) -> None:
    page.set_viewport_size(PHONE)
    assert_fits_a_phone(page, name)
    page.screenshot(path=str(artifacts_dir / f"phone-{language}-{name}.png"), full_page=True)
    open_phone_menu(page)
    assert page.is_visible("#main-menu .nav-link[href='/']")  # the links, stacked
    for code in ("es", "en"):
        assert page.is_visible(f"#language-form button[value={code}]"), f"{name}: no {code.upper()} button"
    if logged_in:
        assert page.is_visible(f"#main-menu .nav-link[href='{scope}/labeling/']")  # the current class's sections
        assert page.is_visible("#main-menu .nav-link[href='/classes/']")
        assert page.is_visible("#class-select"), f"{name}: no class chooser"
        assert page.is_visible("#logout-form button[type=submit]"), f"{name}: no log-out button"
    else:
        assert page.is_visible("#main-menu a[href^='/accounts/login/']")
    assert_fits_a_phone(page, f"{name} with the menu open")
    if name == "analyze":
        page.screenshot(path=str(artifacts_dir / f"phone-{language}-menu.png"))


def check_desktop(page, name: str, language: str, artifacts_dir, ready: str, scope: str, photo=None) -> None:
    page.set_viewport_size(DESKTOP)
    open_page(page, page.url, ready)  # drawn afresh at this width, as a computer shows it (charts too)
    if photo:
        analyze_a_photo(page, photo)
    assert not page.is_visible(".navbar-toggler")
    assert page.is_visible(f"#main-menu .nav-link[href='{scope}/labeling/']")  # the links sit in the bar
    assert page.is_visible("#class-select")
    assert page.is_visible("#language-form button[value=en]") and page.is_visible("#logout-form button[type=submit]")
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    page.screenshot(path=str(artifacts_dir / f"desktop-{language}-{name}.png"), full_page=True)


def analyze_a_photo(page, photo) -> None:
    page.set_input_files("#image-input", str(photo))
    page.wait_for_selector("#result:not(.d-none)", timeout=30_000)
    page.wait_for_function("[...document.querySelectorAll('#result img')].every(i => i.complete && i.naturalWidth > 0)")


def test_every_page_fits_a_phone_and_its_menu_folds(
    live_server, transactional_db, active_model, class_data, people, tmp_path, artifacts_dir, browser_page
):
    import skimage.data

    photo = tmp_path / "chelsea.jpg"
    Image.fromarray(skimage.data.chelsea()).save(photo, quality=92)
    page = browser_page
    page.emulate_media(reduced_motion="reduce")  # Bootstrap then opens the menu without its animation
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.context.add_cookies([{"name": "sessionid", "value": session_for(people["teacher"]), "url": live_server.url}])

    scope = f"/classes/{class_data['classroom'].pk}"
    for language in ("es", "en"):
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        for name, path, ready in pages(class_data):
            page.set_viewport_size(PHONE)
            open_page(page, f"{live_server.url}{path}", ready)
            assert page.locator("html").get_attribute("lang") == language
            if name == "analyze":
                analyze_a_photo(page, photo)  # the answer's bars, tags and heatmap must fit too
            check_phone(page, name, language, artifacts_dir, scope=scope)
            check_desktop(page, name, language, artifacts_dir, ready, scope, photo if name == "analyze" else None)

    # the ES button in the folded menu works: the page comes back in Spanish
    page.set_viewport_size(PHONE)
    open_page(page, f"{live_server.url}{scope}/models/", "main table")
    open_phone_menu(page)
    page.click("#language-form button[value=es]")
    page.wait_for_selector("html[lang=es]", state="attached")
    assert page.url == f"{live_server.url}{scope}/models/"

    page.context.clear_cookies()  # the login page, as a visitor sees it
    for language in ("es", "en"):
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        page.set_viewport_size(PHONE)
        open_page(page, f"{live_server.url}/accounts/login/", "#id_username")
        check_phone(page, "login", language, artifacts_dir, logged_in=False)

    assert not errors, errors
