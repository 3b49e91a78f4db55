"""In Debian's Chromium, a student with two real photos analysed by the real pretrained model looks inside it on
/inside/: opens a layer's feature maps and lays a channel over the photo, steps through one neuron's arithmetic to
the check against the stored value, paints over the whole photo and sees the answer change, makes the automatic
occlusion map, runs the sanity check (its job executed here, as the worker would), and the page fits a phone.
Screenshots at 1280 and 390 px go to test-artifacts/ (desktop-es-inside.png, phone-es-inside.png)."""
import time

import pytest

from tests.conftest import session_for

pytestmark = pytest.mark.browser

LAYER = "block6_expand_relu"  # 14 x 14 x 480, in the repeated blocks 5 to 7
# Elements sticking out to the right of the screen, for a failure message that says what to fix (as in
# test_phone_layout, whose module imports TensorFlow through its fixtures: not worth 13 s here).
OVERFLOWING = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 0.5 && getComputedStyle(e).position !== 'fixed')
  .filter(e => !e.closest('.table-responsive, pre'))
  .slice(0, 8)
  .map(e => `${e.tagName.toLowerCase()}#${e.id}.${[...e.classList].join('.')} right=${Math.round(e.getBoundingClientRect().right)}`)"""


def es_number(value: float, digits: int = 4) -> str:
    """A number as the page writes it in Spanish (Intl, at most `digits` decimals, no grouping below 10 000)."""
    text = f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def open_section(page, widget: str) -> None:
    page.click(f"details:has([data-widget={widget}]) > summary")
    page.wait_for_selector(f"[data-widget={widget}] .widget-body[data-ready=true]", timeout=20_000)


def test_student_looks_inside_the_model_on_her_own_photo(
    live_server, transactional_db, active_model, student, classroom, cat_photos, artifacts_dir, browser_page
):
    from classifier.services import analyze_image
    from eduai import jobs
    from eduai.models import Job
    from inside import services

    older = analyze_image(content=cat_photos[1].read_bytes(), original_name="otra.jpg", user=student, classroom=classroom)
    analysis = analyze_image(content=cat_photos[3].read_bytes(), original_name="gata.jpg", user=student,
                             classroom=classroom)
    page = browser_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.context.add_cookies([{"name": "sessionid", "value": session_for(student), "url": live_server.url}])

    # from the analyze page: every analysis links to its look inside
    page.goto(f"{live_server.url}/")
    links = page.locator("#recent .inside-recent-link")
    assert links.count() == 2
    assert links.nth(1).get_attribute("href") == f"/inside/?analysis={older.pk}"
    links.first.click()
    page.wait_for_url(f"**/inside/?analysis={analysis.pk}")
    assert page.locator("#inside-answer").get_attribute("data-analysis") == str(analysis.pk)
    assert page.locator("#inside-chooser a").count() == 2

    # architecture: the repeated blocks 5 to 7 as one group (×3), a layer's feature maps, one channel over the photo
    architecture = "[data-widget=architecture]"
    page.wait_for_selector(f"{architecture} .widget-body[data-state=ready]", timeout=20_000)
    assert page.locator(f"{architecture} [data-params]").get_attribute("data-params") == str(
        services.architecture_of(active_model)["params"])
    assert page.locator(f"{architecture} [data-series=block5] > summary .badge").inner_text() == "×3"
    page.click(f"{architecture} [data-series=block5] > summary")
    page.click(f"{architecture} [data-group=block6] > summary")
    page.click(f"{architecture} button[data-layer={LAYER}]")
    panel = f"{architecture} .inside-panel[data-layer={LAYER}]"
    page.wait_for_selector(f"{panel}[data-state=channel]", timeout=20_000)
    channels = page.locator(f"{panel} .inside-channel")
    assert channels.count() == 8
    assert page.evaluate(f"[...document.querySelectorAll('{panel} .inside-channel img')].every(i => i.naturalWidth === 14)")
    chosen = channels.nth(2).get_attribute("data-channel")
    channels.nth(2).click()
    page.wait_for_selector(f"{panel}[data-channel='{chosen}']")
    assert page.evaluate(f"document.querySelector('{panel} .inside-channel-view canvas').width") == 14
    maps = services.layer_maps(analysis=analysis, name=LAYER, channel=int(chosen), top=8)
    assert es_number(maps["channel"]["mean"], 3) in page.text_content(f"{panel} [data-channel-numbers]")
    page.wait_for_selector(f"{panel} [data-chart=true]")

    # first-layer filters
    open_section(page, "filters")
    assert page.locator("[data-widget=filters] .inside-filter").count() == 32

    # one neuron: click a cell of the feature map, step to the end, the check matches the stored value
    neuron = "[data-widget=neuron]"
    open_section(page, "neuron")
    page.locator(f"{neuron} .inside-clickable").scroll_into_view_if_needed()
    box = page.locator(f"{neuron} .inside-clickable").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.3)
    page.wait_for_selector(f"{neuron} [data-step=patch]:not([hidden])", timeout=20_000)
    for _ in range(6):
        page.click(f"{neuron} [data-action=next]")
    assert page.is_disabled(f"{neuron} [data-action=next]")
    assert page.locator(f"{neuron} [data-step=check] [data-match]").get_attribute("data-match") == "true"
    channel, x, y = (int(page.input_value(f"{neuron} {selector}")) for selector in ("select", "input[aria-label=x]",
                                                                                     "input[aria-label=y]"))
    stored = services.neuron_arithmetic(analysis=analysis, channel=channel, x=x, y=y)["stored"]
    assert es_number(stored) in page.text_content(f"{neuron} [data-step=check]")

    # occlusion: paint over the whole photo, the answer changes
    occlusion = "[data-widget=occlusion]"
    open_section(page, "occlusion")
    page.fill(f"{occlusion} .inside-brush", "112")
    page.locator(f"{occlusion} canvas[data-paint]").scroll_into_view_if_needed()
    paint = page.locator(f"{occlusion} canvas[data-paint]").bounding_box()
    for row in range(6):
        y_row = paint["y"] + paint["height"] * (row + 0.5) / 6
        page.mouse.move(paint["x"] + 2, y_row)
        page.mouse.down()
        page.mouse.move(paint["x"] + paint["width"] - 2, y_row, steps=8)
        page.mouse.up()
    assert page.evaluate(f"(() => {{ const c = document.querySelector('{occlusion} canvas[data-paint]'); "
                         "const a = c.getContext('2d').getImageData(0, 0, 224, 224).data; let n = 0; "
                         "for (let i = 3; i < a.length; i += 4) n += a[i] >= 128; return n / (224 * 224); })()") > 0.97
    page.click(f"{occlusion} [data-action=hide]")
    page.wait_for_selector(f"{occlusion} [data-label]", timeout=20_000)
    assert page.locator(f"{occlusion} [data-label]").get_attribute("data-label") != analysis.label
    before, after = page.locator(f"{occlusion} .inside-comparison tbody tr").first.locator("td").all_inner_texts()[:2]
    assert before != after

    # the automatic occlusion map, beside the heatmap, with its rank correlation
    page.fill(f"{occlusion} input[name=patch]", "112")
    page.fill(f"{occlusion} input[name=stride]", "112")
    assert page.text_content(f"{occlusion} [data-positions]").startswith("2 × 2 = 4")
    page.click(f"{occlusion} [data-action=map]")
    page.wait_for_selector(f"{occlusion} .widget-body[data-map=true]", timeout=30_000)
    correlation = page.locator(f"{occlusion} [data-correlation]").get_attribute("data-correlation")
    assert correlation == "null" or -1 <= float(correlation) <= 1
    page.wait_for_selector(f"{occlusion} [data-faithful]", timeout=20_000)

    # the sanity check: a job, run here as the worker would, polled by the page
    sanity = "[data-widget=sanity-check]"
    open_section(page, "sanity-check")
    page.click(f"{sanity} [data-action=sanity]")
    deadline = time.monotonic() + 10
    while not (job := Job.objects.filter(kind=Job.Kind.SANITY_CHECK, owner=student).first()):
        assert time.monotonic() < deadline, "the page started no sanity-check job"
        time.sleep(0.1)
    assert jobs.execute(job.pk, worker="test-worker").status == Job.Status.SUCCEEDED
    page.wait_for_selector(f"{sanity} .widget-body[data-sanity=done]", timeout=20_000)
    steps = Job.objects.get(pk=job.pk).result["steps"]
    assert page.locator(f"{sanity} .inside-step-figure").count() == len(steps) > 2
    page.wait_for_selector(f"{sanity} [data-chart=true]")
    assert not errors, errors
    page.evaluate("window.scrollTo(0, 0)")  # the layer list is sticky: drawn where the top of the page puts it
    page.screenshot(path=str(artifacts_dir / "desktop-es-inside.png"), full_page=True)

    # a phone: everything fits its width, with every part open and its results shown, and freshly loaded
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)  # charts follow their box's new size
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.evaluate(OVERFLOWING, 390)
    page.screenshot(path=str(artifacts_dir / "phone-es-inside.png"), full_page=True)
    page.reload()
    page.wait_for_selector(f"{architecture} .widget-body[data-state=ready]", timeout=20_000)
    for widget in ("filters", "neuron", "occlusion", "sanity-check"):
        open_section(page, widget)
    page.wait_for_selector("[data-widget=neuron] .widget-body[data-state=ready]", timeout=20_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.evaluate(OVERFLOWING, 390)
    page.screenshot(path=str(artifacts_dir / "phone-es-inside-start.png"), full_page=True)
    assert not errors, errors
