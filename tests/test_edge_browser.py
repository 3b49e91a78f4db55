"""In Debian's Chromium, the model runs in the browser: an anonymous visitor classifies real shared photos on /edge/
(through the page and through `window.eduaiEdge`) and gets the server's answers; INT8 runs too; threads are on
under cross-origin isolation (and without it the page says why there is one); a reload offline still classifies;
a newer version on the server is offered, not forced; bad files get a message in the page's language;
and on the analyze page the "In my browser" switch keeps the photo on the device. No request ever carries a photo.
Screenshots at 1280 and 390 px go to test-artifacts/ (desktop-es-edge.png, phone-es-edge.png,
desktop-es-analyze-in-browser.png)."""
import base64
import io

import pytest
from django.conf import settings
from PIL import Image

from tests.conftest import session_for

pytestmark = pytest.mark.browser

READY = "#edge[data-state=ready]"
CLASSIFY = """async ([b64, precision]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return await window.eduaiEdge.classify(new Blob([bytes], {type: 'image/jpeg'}), {precision});
}"""
OVERFLOWING = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 0.5 && getComputedStyle(e).position !== 'fixed')
  .slice(0, 8).map(e => `${e.tagName.toLowerCase()}#${e.id}.${[...e.classList].join('.')}`)"""


def words(key: str, language: str = "es", **values) -> str:
    """The page's words (edge/page_strings.py) in that language, placeholders filled."""
    from django.utils import translation

    from edge.page_strings import STRINGS

    with translation.override(language):
        text = str(STRINGS[key])
    return text % values if values else text


def server_answer(content: bytes):
    """What the server answers for these bytes (the analyze service's model and decoding, nothing stored)."""
    from classifier.images import read_image
    from ml_models import runtime

    image = read_image(content, max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES, max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
    return runtime.model_for(None).answer(image.rgb).verdict


def huge_png() -> bytes:
    """A valid 8000 x 7000 PNG (56 million pixels, over the 50 million limit), small on disk (1 bit per pixel)."""
    buffer = io.BytesIO()
    Image.new("1", (8000, 7000), 1).save(buffer, format="PNG")
    return buffer.getvalue()


def watch_requests(page) -> list:
    """Every request of the page's context (the service worker's included): (method, url, body size)."""
    seen = []
    page.context.on("request", lambda request: seen.append(
        (request.method, request.url, len(request.post_data_buffer or b""))))
    return seen


def assert_no_photo_sent(seen, photos) -> None:
    posts = [(method, url) for method, url, size in seen if method != "GET" or size]
    assert posts == [], f"requests with a body in edge mode: {posts}"
    assert not [url for _method, url, _size in seen if "/api/v1/analyses" in url]
    assert all(size < min(len(photo) for photo in photos) for _method, _url, size in seen)


def wait_ready(page, timeout: int = 60_000) -> None:
    """Waits for the model to be ready; on failure, says what the page said."""
    try:
        page.wait_for_selector(READY, timeout=timeout)
    except Exception as error:  # noqa: BLE001 - re-raised with the page's own words
        state = page.evaluate("""() => ({state: document.getElementById('edge')?.dataset.state,
            error: document.getElementById('edge-error')?.textContent,
            status: document.getElementById('edge-progress-text')?.textContent})""")
        raise AssertionError(f"the edge page is not ready: {state}; console: {getattr(page, 'console_lines', [])}") from error


def choose(page, selector: str, name: str, content: bytes, mime: str = "image/jpeg") -> None:
    page.set_input_files(selector, files=[{"name": name, "mimeType": mime, "buffer": content}])


def test_anonymous_visitor_gets_the_servers_answer_in_her_browser_and_offline(
    live_server, transactional_db, active_model, cat_photos, dog_photos, artifacts_dir, browser_page
):
    page = browser_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_lines = []
    page.on("console", lambda message: page.console_lines.append(message.text))
    seen = watch_requests(page)
    cat, dog = cat_photos[0].read_bytes(), dog_photos[0].read_bytes()

    page.goto(f"{live_server.url}/edge/")
    wait_ready(page)
    info = page.evaluate("window.eduaiEdge.info")
    assert info["version"]["id"] == active_model.pk and info["class_id"] is None
    assert info["files"]["int8"] is not None, "the pretrained version has its INT8 file (pretrained v4)"
    assert str(active_model.pk) == page.get_attribute("#edge-version", "data-version")
    assert page.get_attribute("html", "lang") == "es"
    assert words("model_global") in page.text_content("#edge-version")
    # downloaded once, its size said; threads on under cross-origin isolation, and why
    assert page.get_attribute("#edge-download-text", "data-from-cache") == "false"
    assert int(page.get_attribute("#edge-download-text", "data-bytes")) == info["files"]["fp32"]["size_bytes"]
    assert words("downloaded").split("%(size)s")[1].split("%(time)s")[0] in page.text_content("#edge-download-text")
    assert page.evaluate("window.crossOriginIsolated") is True
    threads = int(page.get_attribute("#edge-runtime", "data-threads"))
    assert threads == min(4, page.evaluate("navigator.hardwareConcurrency")) and threads > 1
    assert page.text_content("#edge-runtime") == words("runtime", backend="wasm", threads=words("threads_many", count=threads))
    assert page.text_content("#edge-threads-reason") == words("threads_on")
    assert page.get_attribute("#edge-threads-reason", "data-reason") == ""
    assert words("cold_start").split("%(time)s")[0] in page.text_content("#edge-cold-start")

    # through the page: a cat photo, the server's answer, the heatmap drawn over it, the privacy note
    expected = server_answer(cat)
    choose(page, "#edge-input", "gata.jpg", cat)
    page.wait_for_selector("#edge[data-answer=shown]", timeout=30_000)
    assert page.get_attribute("#edge-label", "data-label") == expected.label
    assert abs(float(page.get_attribute("#edge-value-cat", "data-probability")) - expected.cat) < 1e-3
    assert abs(float(page.get_attribute("#edge-unusual", "data-score")) - expected.unusual_score) < 1e-3
    assert page.text_content("#edge-private-answer") == words("private")
    assert float(page.get_attribute("#edge-time", "data-ms")) > 0
    assert page.locator("#edge-tags [data-tag]").count() > 0
    assert page.evaluate("""(() => { const c = document.getElementById('edge-heatmap');
        const a = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < a.length; i += 4) n += a[i] > 0; return c.width > 0 && n > 0; })()""")

    # through the hook, FP32 and INT8
    dog_b64 = base64.b64encode(dog).decode()
    expected = server_answer(dog)
    fp32 = page.evaluate(CLASSIFY, [dog_b64, "fp32"])
    assert set(fp32) == {"label", "probabilities", "unusual_score", "tags", "ms", "backend", "threads"}
    assert fp32["label"] == expected.label and fp32["backend"] == "wasm" and fp32["threads"] == threads
    assert abs(fp32["probabilities"]["cat"] - expected.cat) < 1e-3
    assert abs(fp32["probabilities"]["dog"] - expected.dog) < 1e-3
    assert abs(fp32["unusual_score"] - expected.unusual_score) < 1e-3
    int8 = page.evaluate(CLASSIFY, [dog_b64, "int8"])
    assert int8["label"] == fp32["label"] and abs(int8["probabilities"]["cat"] - fp32["probabilities"]["cat"]) < 0.1
    # the switch: INT8 is loaded already, so it comes from memory and the shown photo is answered again in INT8
    page.click("label[for=precision-int8]")
    page.wait_for_selector("#edge-result[data-precision=int8]", timeout=30_000)
    assert "INT8" in page.text_content("#edge-time")

    # bad files: a message in Spanish, and the page keeps working
    choose(page, "#edge-input", "no-soy-una-foto.jpg", b"Esto es texto, no una foto.\n" * 20)
    page.wait_for_selector("#edge[data-answer=error]")
    assert page.text_content("#edge-error") == words("error_not_image")
    choose(page, "#edge-input", "enorme.png", huge_png(), "image/png")
    too_many = words("error_too_many_pixels", millions="50")
    page.wait_for_function(f"document.getElementById('edge-error').textContent === {too_many!r}")
    choose(page, "#edge-input", "pesada.jpg", cat + bytes(settings.EDUAI_MAX_UPLOAD_BYTES))
    too_large = words("error_too_large")
    page.wait_for_function(f"document.getElementById('edge-error').textContent === {too_large!r}")
    page.click("label[for=precision-fp32]")
    choose(page, "#edge-input", "gata.jpg", cat)
    page.wait_for_selector("#edge[data-answer=shown]", timeout=30_000)
    assert page.is_hidden("#edge-error")
    assert not errors, errors
    page.screenshot(path=str(artifacts_dir / "desktop-es-edge.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(200)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.evaluate(OVERFLOWING, 390)
    page.screenshot(path=str(artifacts_dir / "phone-es-edge.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 1400})

    # saved for offline use; the model comes from the cache on the next visit
    page.wait_for_selector("#edge-offline[data-offline=ready]", timeout=30_000)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.reload()
    wait_ready(page)
    assert page.get_attribute("#edge-download-text", "data-from-cache") == "true"
    choose(page, "#edge-input", "not-a-photo.jpg", b"Just text.\n" * 20)
    page.wait_for_selector("#edge[data-answer=error]")
    assert page.get_attribute("html", "lang") == "en"
    assert page.text_content("#edge-error") == words("error_not_image", "en")

    # offline: the reload is served by the service worker and still classifies
    page.context.set_offline(True)
    try:
        response = page.reload()
        assert response is None or response.from_service_worker
        wait_ready(page)
        assert page.evaluate("navigator.onLine") is False
        assert page.get_attribute("#edge-offline", "data-offline") == "offline"
        label_en = page.evaluate("window.eduaiEdge.info.version.label")  # the saved model info, asked for in English
        assert page.evaluate("window.eduaiEdge.info.version.id") == active_model.pk and label_en != info["version"]["label"]
        assert page.text_content("#edge-offline") == words("offline", "en", version=label_en)
        offline = page.evaluate(CLASSIFY, [dog_b64, "fp32"])
        assert offline["label"] == fp32["label"] and abs(offline["probabilities"]["cat"] - fp32["probabilities"]["cat"]) < 1e-6
        choose(page, "#edge-input", "cat.jpg", cat)
        page.wait_for_selector("#edge[data-answer=shown]", timeout=30_000)
    finally:
        page.context.set_offline(False)
    assert not errors, errors
    assert_no_photo_sent(seen, [cat, dog])


def test_a_newer_version_on_the_server_is_offered_not_forced(live_server, transactional_db, active_model, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/edge/")
    wait_ready(page)
    assert page.is_hidden("#edge-update")
    # the version saved in this browser is older than the server's (same files: only its number differs)
    page.evaluate("""() => { const key = Object.keys(localStorage).find((k) => k.startsWith('eduai-edge-info:'));
        const info = JSON.parse(localStorage.getItem(key)); info.version.id = -1; info.version.label = 'antigua v0';
        localStorage.setItem(key, JSON.stringify(info)); }""")
    page.reload()
    wait_ready(page)
    assert page.evaluate("window.eduaiEdge.info.version.id") == -1
    assert page.get_attribute("#edge-update", "data-version") == str(active_model.pk)
    assert words("newer").split("%(version)s")[0] in page.text_content("#edge-update")
    page.click("#edge-update-button")
    page.wait_for_function(f"window.eduaiEdge.info.version.id === {active_model.pk}")
    page.wait_for_selector(READY)
    assert page.is_hidden("#edge-update")


def test_in_my_browser_switch_on_the_analyze_page_keeps_the_photo_here(
    live_server, transactional_db, active_model, student, classroom, cat_photos, artifacts_dir, browser_page
):
    from classifier.models import Analysis

    page = browser_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.context.add_cookies([{"name": "sessionid", "value": session_for(student), "url": live_server.url}])
    cat = cat_photos[1].read_bytes()
    expected = server_answer(cat)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#analyzer[data-ready=true]")
    assert page.is_visible("footer a[href='/edge/']")  # the bar has no room for it at 1280 px
    page.check("#edge-switch")
    page.wait_for_function("window.eduaiEdge && window.eduaiEdge.ready")
    page.evaluate("window.eduaiEdge.ready")
    assert page.evaluate("window.eduaiEdge.info.class_id") == classroom.pk
    seen = watch_requests(page)
    choose(page, "#image-input", "gata.jpg", cat)
    page.wait_for_selector("#result[data-where=browser]:not(.d-none)", timeout=30_000)
    assert page.get_attribute("#result-label", "data-label") == expected.label
    assert abs(float(page.text_content("#value-cat").replace(",", ".").rstrip(" %")) / 100 - expected.cat) < 1e-3
    assert page.text_content("#edge-answer-note") == words("edge_note")
    assert page.is_hidden("#result-actions") and page.is_hidden("#model-wrong")
    assert page.get_attribute("#heatmap", "src").startswith("data:image/png")
    hooked = page.evaluate(CLASSIFY, [base64.b64encode(cat).decode(), "fp32"])
    assert abs(hooked["probabilities"]["cat"] - expected.cat) < 1e-3
    assert_no_photo_sent(seen, [cat])
    assert Analysis.objects.count() == 0
    page.screenshot(path=str(artifacts_dir / "desktop-es-analyze-in-browser.png"), full_page=True)

    # remembered; switched off, the server answers and keeps the analysis as before
    page.reload()
    page.wait_for_selector("#analyzer[data-ready=true]")
    assert page.is_checked("#edge-switch")
    page.uncheck("#edge-switch")
    with page.expect_response("**/api/v1/analyses/") as response:
        choose(page, "#image-input", "gata.jpg", cat)
    assert response.value.status == 201
    page.wait_for_selector("#result[data-where=server]:not(.d-none)")
    assert page.is_visible("#result-actions") and page.is_hidden("#edge-answer-note")
    assert Analysis.objects.filter(user=student).count() == 1
    assert not errors, errors


def test_without_cross_origin_isolation_one_thread_runs_and_the_page_says_why(
    live_server, transactional_db, active_model, cat_photos, browser_page
):
    page = browser_page

    def without_isolation(route):
        response = route.fetch()
        headers = {name: value for name, value in response.headers.items() if not name.lower().startswith("cross-origin")}
        route.fulfill(response=response, headers=headers)

    page.route(f"{live_server.url}/edge/", without_isolation)
    page.goto(f"{live_server.url}/edge/")
    wait_ready(page)
    assert page.evaluate("window.crossOriginIsolated") is False
    assert page.get_attribute("#edge-runtime", "data-threads") == "1"
    assert page.get_attribute("#edge-threads-reason", "data-reason") == "not_isolated"
    assert page.text_content("#edge-threads-reason") == words("threads_not_isolated")
    assert page.text_content("#edge-runtime") == words("runtime", backend="wasm", threads=words("threads_one"))
    result = page.evaluate(CLASSIFY, [base64.b64encode(cat_photos[2].read_bytes()).decode(), "fp32"])
    assert result["threads"] == 1 and result["label"] == server_answer(cat_photos[2].read_bytes()).label


DROP = """async ([b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type: 'image/jpeg'}));
  const zone = document.getElementById('dropzone');
  zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer, bubbles: true, cancelable: true}));
  const highlighted = zone.classList.contains('dragover');
  zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
  return {highlighted, after: zone.classList.contains('dragover')};
}"""


def test_a_photo_dropped_on_the_page_gets_the_servers_answer(live_server, transactional_db, active_model, cat_photos,
                                                             browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/edge/")
    wait_ready(page)
    cat = cat_photos[0].read_bytes()
    expected = server_answer(cat)
    zone = page.evaluate(DROP, [base64.b64encode(cat).decode(), "cat.jpg"])
    assert zone == {"highlighted": True, "after": False}
    page.wait_for_selector("#edge[data-answer=shown]", timeout=30_000)
    assert page.get_attribute("#edge-label", "data-label") == expected.label
    assert abs(float(page.get_attribute("#edge-value-cat", "data-probability")) - expected.cat) < 1e-3
