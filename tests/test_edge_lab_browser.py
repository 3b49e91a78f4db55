"""In Debian's Chromium: (1) a student of a class with real labelled shared photos runs the compression lab on
/edge/ on the class's test split (FP32 and INT8 in her browser, against the server's answers), saves her
measurement (the row appears in the class's device table and in the database) and a device name the server
refuses shows the server's own message; (2) on /inside/, the painted occlusion runs live in the browser while she
paints (no request to the occlusion API), and its P(cat) matches the server's painted occlusion of the same mask
within 1e-3 for the mean, grey and blur fills (the fills are mirrored byte for byte in lib/occlusion_fills.js);
(3) a visitor without a class runs the lab on her own photos: FP32 against INT8 in the browser only, said so,
nothing to save, and only the photos' sha256 leave the browser. Screenshots go to test-artifacts/
(desktop-es-edge-lab.png, desktop-es-inside-live.png). Takes about 75 s."""
import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from tests.conftest import session_for

pytestmark = pytest.mark.browser

TOLERANCE = 1e-3
BAD_DEVICE = "x" * 61  # the API allows 1 to 60 characters


@pytest.fixture
def labelled_class(classroom, teacher, cat_photos, dog_photos):
    """The class with 10 cats and 10 dogs imported with their labels (the pretrained version's test part of them
    is what the lab measures)."""
    from labeling.services import import_image

    for value, photos in (("cat", cat_photos), ("dog", dog_photos)):
        for photo in photos:
            import_image(classroom=classroom, content=photo.read_bytes(), name=photo.name, value=value, user=teacher)
    return classroom


def logged_in(page, live_server, user):
    page.context.add_cookies([{"name": "sessionid", "value": session_for(user), "url": live_server.url}])


def test_student_runs_the_lab_on_the_test_split_and_saves_her_device(
    live_server, transactional_db, active_model, student, labelled_class, artifacts_dir, browser_page
):
    from django.utils import translation

    from edge import services
    from edge.lab_strings import STRINGS
    from edge.models import DeviceMeasurement

    expected = services.test_set(classroom=labelled_class, user=student, limit=24)["images"]
    assert len(expected) >= 2, "too few labelled photos fall in the test part"
    page = browser_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    logged_in(page, live_server, student)
    page.goto(f"{live_server.url}/edge/?class={labelled_class.pk}")
    lab = "#edge-lab"
    page.wait_for_selector(f"{lab}[data-lab=ready]", timeout=30_000)
    assert page.is_checked(f"{lab} input[value=test_split]")
    page.wait_for_selector(f"{lab} [data-lab-part=devices]")

    page.click(f"{lab} [data-action=lab-run]")
    page.wait_for_selector(f"{lab}[data-lab=done]", timeout=60_000)
    assert not page.locator(f"{lab} .alert-danger").count(), page.inner_text(lab)
    # every photo of the test split ran in both precisions; FP32 gives the server's answer on each
    assert page.get_attribute(lab, "data-agreement-fp32") == "1"
    int8 = float(page.get_attribute(lab, "data-agreement-int8"))
    assert 0 <= int8 <= 1
    agreement = page.locator(f"{lab} [data-agreement=fp32]")
    assert agreement.get_attribute("data-agreeing") == agreement.get_attribute("data-known") == str(len(expected))
    assert page.locator(f"{lab} [data-p50=fp32]").inner_text().endswith("ms")
    assert page.locator(f"{lab} [data-p90=int8]").inner_text().endswith("ms")
    assert "MB" in page.inner_text(f"{lab} [data-bytes=int8]")
    assert page.get_attribute(f"{lab} [data-runtime]", "data-runtime") == "wasm"
    assert int(page.get_attribute(f"{lab} [data-runtime]", "data-threads")) >= 1
    flips = int(page.get_attribute(f"{lab} [data-flips]", "data-flips"))
    assert page.locator(f"{lab} [data-flip] img").count() == flips

    # a name the server refuses: its message, in the page's language, nothing stored
    page.fill(f"{lab} input[name=device]", BAD_DEVICE)
    with page.expect_response(lambda response: "device-measurements" in response.url
                              and response.request.method == "POST") as refused:
        page.click(f"{lab} [data-action=lab-save]")
    assert refused.value.status == 400
    detail = refused.value.json()["detail"]
    page.wait_for_selector(f"{lab} [data-save-error]")
    assert page.inner_text(f"{lab} [data-save-error]") == detail
    assert not DeviceMeasurement.objects.exists()

    # saved: the row is hers in the table and in the database, with what the page measured
    page.fill(f"{lab} input[name=device]", "Ana's laptop")
    page.click(f"{lab} [data-action=lab-save]")
    page.wait_for_selector(f"{lab} [data-saved]", timeout=10_000)
    row = DeviceMeasurement.objects.get()
    assert page.get_attribute(f"{lab} [data-saved]", "data-saved") == str(row.pk)
    assert (row.user, row.classroom, row.device, row.source, row.images) == (
        student, labelled_class, "Ana's laptop", "test_split", len(expected))
    assert row.model_version == active_model and row.backend == "wasm"
    assert row.fp32["agreement"] == 1 and row.fp32["max_probability_diff"] < TOLERANCE
    assert 0 < row.fp32["p50_ms"] <= row.fp32["p90_ms"] and row.int8["p50_ms"] > 0
    assert row.int8["agreement"] == pytest.approx(int8)
    table_row = f"{lab} tr[data-measurement='{row.pk}']"
    page.wait_for_selector(table_row)
    with translation.override(page.evaluate("document.documentElement.lang")):
        assert page.locator(f"{table_row}[data-mine-row] [data-mine]").inner_text() == str(STRINGS["lab_you"])
    assert "Ana's laptop" in page.inner_text(table_row)
    page.click(f"{lab} button[data-sort=fp32]")  # sortable: still one row, nothing breaks
    assert page.locator(f"{lab} tr[data-measurement]").count() == 1
    assert not errors, errors
    page.screenshot(path=str(artifacts_dir / "desktop-es-edge-lab.png"), full_page=True)


def _mask_of(page, occlusion) -> np.ndarray:
    """The painted mask as the page would send it (maskUrl: white where hidden), decoded here."""
    url = page.evaluate(f"""(() => {{ const c = document.querySelector('{occlusion} canvas[data-paint]');
        const a = c.getContext('2d').getImageData(0, 0, 224, 224).data; const m = document.createElement('canvas');
        m.width = m.height = 224; const x = m.getContext('2d'); const d = x.createImageData(224, 224);
        for (let i = 0; i < 224 * 224; i++) {{ const w = a[i * 4 + 3] >= 128 ? 255 : 0; d.data.set([w, w, w, 255], i * 4); }}
        x.putImageData(d, 0, 0); return m.toDataURL('image/png'); }})()""")
    return url, np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("L")) >= 128


def test_painted_occlusion_runs_live_in_the_browser_and_matches_the_server(
    live_server, transactional_db, active_model, student, classroom, cat_photos, artifacts_dir, browser_page
):
    from django.test import Client

    from classifier.services import analyze_image

    analysis = analyze_image(content=cat_photos[3].read_bytes(), original_name="gata.jpg", user=student,
                             classroom=classroom)
    page = browser_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    logged_in(page, live_server, student)
    page.goto(f"{live_server.url}/inside/?analysis={analysis.pk}")
    occlusion = "[data-widget=occlusion]"
    page.click(f"details:has({occlusion}) > summary")
    page.wait_for_selector(f"{occlusion} .widget-body[data-ready=true]", timeout=20_000)

    live = f"{occlusion} [data-live]"
    page.click(f"{occlusion} [data-action=live]")
    page.wait_for_selector(f"{live}[data-live=on][data-busy=false]", timeout=40_000)
    whole = float(page.get_attribute(f"{live} [data-live-cat]", "data-live-cat"))
    assert whole == pytest.approx(analysis.probabilities["cat"], abs=TOLERANCE)  # nothing painted yet

    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.fill(f"{occlusion} .inside-brush", "96")
    page.locator(f"{occlusion} canvas[data-paint]").scroll_into_view_if_needed()
    box = page.locator(f"{occlusion} canvas[data-paint]").bounding_box()
    counts = []
    for row in range(3):
        y = box["y"] + box["height"] * (0.25 + row * 0.2)
        page.mouse.move(box["x"] + box["width"] * 0.15, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.85, y, steps=12)
        page.wait_for_timeout(150)
        counts.append(int(page.get_attribute(live, "data-count") or 0))
        page.mouse.up()
    page.wait_for_selector(f"{live}[data-busy=false]", timeout=20_000)
    # answered while painting (before each stroke ended), again and again, by the browser alone
    assert counts[0] >= 2 and counts[-1] > counts[0], counts
    assert not [url for url in requests if "/occlusion" in url], requests

    mask_url, hidden = _mask_of(page, occlusion)
    assert 0.2 < hidden.mean() < 0.9
    client = Client()
    client.force_login(student)
    found = {}
    for fill in ("mean", "grey", "blur"):
        page.check(f"{occlusion} [data-part=paint] input[type=radio][value={fill}]")
        page.wait_for_selector(f"{live}[data-busy=false]", timeout=20_000)
        browser = float(page.get_attribute(f"{live} [data-live-cat]", "data-live-cat"))
        server = client.post(f"/api/v1/analyses/{analysis.pk}/occlusion/", json.dumps({"mask": mask_url, "fill": fill}),
                             content_type="application/json")
        assert server.status_code == 200, server.content
        found[fill] = (browser, server.json()["probabilities"]["cat"])
    print("P(cat) browser vs server (server rounded to 4 decimals):", found)
    for fill, (browser, server) in found.items():
        assert browser == pytest.approx(server, abs=TOLERANCE), (fill, found)
    assert found["mean"][0] != pytest.approx(whole, abs=TOLERANCE), "painting did not move the answer"
    assert not errors, errors
    page.screenshot(path=str(artifacts_dir / "desktop-es-inside-live.png"), full_page=True)


def test_a_visitor_without_a_class_measures_her_own_photos_in_the_browser_only(
    live_server, transactional_db, active_model, cat_photos, dog_photos, browser_page
):
    from django.utils import translation

    from edge.lab_strings import STRINGS

    page = browser_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/edge/")
    lab = "#edge-lab"
    page.wait_for_selector(f"{lab}[data-lab=ready]", timeout=30_000)
    assert page.is_disabled(f"{lab} input[value=test_split]") and page.is_checked(f"{lab} input[value=own_photos]")
    assert page.locator(f"{lab} [data-no-class]").count() == 1
    assert not page.locator(f"{lab} [data-lab-part=devices]").count()  # no class: no table of its devices

    requests = []
    page.on("request", lambda request: requests.append(request))
    page.set_input_files(f"{lab} input[data-lab-files]", [str(cat_photos[0]), str(dog_photos[0])])
    page.click(f"{lab} [data-action=lab-run]")
    page.wait_for_selector(f"{lab}[data-lab=done]", timeout=60_000)
    # the server knows neither photo for a visitor: FP32 against INT8 in the browser, said so; nothing to save
    assert page.get_attribute(lab, "data-agreement-fp32") == "null"
    assert page.locator(f"{lab} [data-lab-browser-only]").count() == 1
    assert page.locator(f"{lab} [data-int8-vs-fp32]").count() == 1
    with translation.override(page.evaluate("document.documentElement.lang")):
        assert page.inner_text(f"{lab} [data-lab-cannot-save]") == str(STRINGS["lab_cannot_save"])
    posts = [request for request in requests if request.method != "GET"]
    assert [request.url.split("/api/v1/")[-1] for request in posts] == ["edge/server-answers/"]
    sent = json.loads(posts[0].post_data)
    assert set(sent) == {"version", "sha256"} and len(sent["sha256"]) == 2  # the hashes only, never the photos
    assert not errors, errors
