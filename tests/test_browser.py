"""In Debian's Chromium: log in, upload a cat photo on the page, see the Spanish result and the heatmap."""
import pytest
from PIL import Image

from tests.conftest import session_for
from tests.test_training_api import labelled, people  # noqa: F401 - fixtures
from tests.test_training_pages import finished_run  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def test_student_uploads_a_cat_and_sees_gato_with_a_heatmap(
    live_server, transactional_db, active_model, student, tmp_path, artifacts_dir, browser_page
):
    import skimage.data

    photo = tmp_path / "chelsea.jpg"
    Image.fromarray(skimage.data.chelsea()).save(photo, quality=92)
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/?next=/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", "s3cret-pass!")
    page.click("button[type=submit].btn-primary")
    page.wait_for_selector("#analyzer[data-ready=true]", state="attached")  # the page's module has loaded
    assert page.locator("html").get_attribute("lang") == "es"  # Spanish although the browser asks for English

    page.set_input_files("#image-input", str(photo))
    page.wait_for_selector("#result:not(.d-none)", timeout=30_000)
    assert page.text_content("#result-label").strip() == "gato"
    assert page.locator("#tags [data-tag=cat]").inner_text().startswith("gato")
    assert "%" in page.text_content("#value-cat")
    assert page.text_content("#heatmap-caption").endswith("gato")
    page.wait_for_function("document.getElementById('heatmap').naturalWidth > 0")
    assert page.evaluate("document.getElementById('heatmap').naturalWidth") == 320
    page.screenshot(path=str(artifacts_dir / "analyze-es.png"), full_page=True)
    page.fill("#heatmap-opacity", "30")
    page.dispatch_event("#heatmap-opacity", "input")
    assert page.evaluate("getComputedStyle(document.getElementById('heatmap')).opacity") == "0.3"
    page.uncheck("#heatmap-toggle")
    assert not page.is_visible("#heatmap")
    page.check("#heatmap-toggle")
    assert page.locator("#recent .card").count() == 1
    assert not page.is_visible("#forced-choice-note")

    page.click("#model-wrong [data-value=dog]")  # "the model is wrong": a label for the class's queue
    page.wait_for_selector("#model-wrong-status.text-success")
    assert "cola" in page.text_content("#model-wrong-status")
    from labeling.models import Label

    assert list(Label.objects.values_list("labeler", "value", "strategy")) == [("ana", "dog", "model_wrong")]

    coffee = tmp_path / "coffee.png"
    Image.fromarray(skimage.data.coffee()).save(coffee)
    page.set_input_files("#image-input", str(coffee))
    page.wait_for_selector("#result-label[data-label=unusual]", timeout=30_000)
    assert page.text_content("#result-label").strip() == "inusual"
    assert page.is_visible("#forced-choice-note")  # the cat/dog bars are a forced choice here
    assert page.text_content("#heatmap-caption").endswith("café expreso")
    assert page.locator("#recent .card").count() == 2


def test_a_text_file_shows_a_spanish_error_and_stores_nothing(
    live_server, transactional_db, active_model, student, tmp_path, browser_page
):
    from classifier.models import StoredImage

    fake = tmp_path / "foto.jpg"
    fake.write_bytes(b"esto no es una foto")
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(student), "url": live_server.url}])
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#analyzer[data-ready=true]", state="attached")
    page.set_input_files("#image-input", str(fake))
    page.wait_for_selector("#error:not(.d-none)")
    assert "no es una imagen" in page.text_content("#error")
    assert not StoredImage.objects.exists()


@pytest.mark.tensorflow
def test_run_page_draws_curves_results_and_comparison(
    live_server, transactional_db, finished_run, people, artifacts_dir, browser_page
):
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(people["student"]), "url": live_server.url}])
    page.goto(f"{live_server.url}/training/{finished_run.pk}/")
    page.wait_for_selector("#results:not(.d-none)")
    assert page.get_attribute("#status", "data-status") == "succeeded"
    assert page.text_content("#status") == "completado"
    assert page.evaluate("Chart.getChart('loss-chart').data.datasets.map(d => d.data.length)") == [16, 16]
    assert page.locator("#confusion tbody tr").count() == 2
    assert page.locator("#artifacts tbody tr").count() == 2  # Keras and ONNX (no quantization asked)
    assert "exactitud" in page.text_content("#test-summary")
    assert not page.is_visible("#cancel-form")
    page.screenshot(path=str(artifacts_dir / "training-run-es.png"), full_page=True)
