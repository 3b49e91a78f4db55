"""In Debian's Chromium: log in, analyze a cat photo on the page and see the Spanish result and the heatmap,
share it into the class, say the model is wrong, delete an analysis; the note when the ImageNet network
behind the tags disagrees with the class's model; a training run's page in Spanish and in English."""
import pytest
from django.conf import settings
from PIL import Image

from tests.conftest import session_for
from tests.test_training_api import labelled, other_class, people  # noqa: F401 - fixtures
from tests.test_training_pages import finished_run  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


@pytest.fixture
def chelsea(tmp_path):
    import skimage.data

    photo = tmp_path / "chelsea.jpg"
    Image.fromarray(skimage.data.chelsea()).save(photo, quality=92)
    return photo


def test_student_uploads_a_cat_sees_gato_with_a_heatmap_shares_it_and_deletes_another(
    live_server, transactional_db, active_model, student, classroom, chelsea, tmp_path, artifacts_dir, browser_page
):
    import skimage.data

    from classifier.models import Analysis, StoredImage
    from labeling.models import ClassImage, Label

    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/?next=/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", "s3cret-pass!")
    page.click("button[type=submit].btn-primary")
    page.wait_for_selector("#analyzer[data-ready=true]", state="attached")  # the page's module has loaded
    assert page.locator("html").get_attribute("lang") == "es"  # Spanish although the browser asks for English
    assert page.text_content("#serving-note").startswith(f"Tu clase {classroom.name} responde con lite0-imagenet v4.")

    page.set_input_files("#image-input", str(chelsea))
    page.wait_for_selector("#result:not(.d-none)", timeout=30_000)
    assert page.text_content("#result-label").strip() == "gato"
    assert page.locator("#tags [data-tag=cat]").inner_text().startswith("gato")
    assert not page.is_visible("#tags-note")  # the answer comes from the ImageNet network itself: they agree
    assert "%" in page.text_content("#value-cat")
    caption = page.text_content("#heatmap-caption")  # cat against dog, on the model's coarse grid
    assert "gato" in caption and "perro" in caption and "7 × 7" in caption
    page.wait_for_function("document.getElementById('heatmap').naturalWidth > 0")
    assert page.evaluate("document.getElementById('heatmap').naturalWidth") == 320
    # the fixed scale first (the same for every photo), this photo's own on demand; the legend follows
    assert page.get_attribute("#heatmap", "src").endswith("/heatmap-fixed.png")
    assert page.text_content("#legend-high").startswith("+0,5 ")
    fixed_note = page.text_content("#scale-note")
    page.click("label[for=scale-photo]")
    assert page.get_attribute("#heatmap", "src").endswith("/heatmap.png")
    assert page.text_content("#scale-note") != fixed_note and not page.text_content("#legend-high").startswith("+0,5 ")
    page.wait_for_function("document.getElementById('heatmap').complete")
    page.screenshot(path=str(artifacts_dir / "analyze-es-per-photo.png"), full_page=True)
    page.click("label[for=scale-fixed]")
    page.screenshot(path=str(artifacts_dir / "analyze-es.png"), full_page=True)
    page.fill("#heatmap-opacity", "30")
    page.dispatch_event("#heatmap-opacity", "input")
    assert page.evaluate("getComputedStyle(document.getElementById('heatmap')).opacity") == "0.3"
    page.uncheck("#heatmap-toggle")
    assert not page.is_visible("#heatmap")
    page.check("#heatmap-toggle")
    assert page.locator("#recent .card").count() == 1
    assert not page.is_visible("#forced-choice-note")

    # private until she shares it into her current class
    assert not ClassImage.objects.exists()
    page.click("#share-button")
    page.wait_for_selector("#share-status.text-success")
    assert page.text_content("#share-status").startswith(f"Compartida en {classroom.name}: tus compañeros")
    assert page.is_disabled("#share-button")
    shared = ClassImage.objects.get()
    assert (shared.classroom, shared.shared_by, shared.original_name) == (classroom, student, "")

    page.click("#model-wrong [data-value=dog]")  # "the model is wrong": a label for the class's queue
    page.wait_for_selector("#model-wrong-status.text-success")
    assert "cola" in page.text_content("#model-wrong-status")
    assert list(Label.objects.values_list("classroom", "labeler", "value", "strategy")) == [
        (classroom.pk, "ana", "dog", "model_wrong")]

    coffee = tmp_path / "coffee.png"
    Image.fromarray(skimage.data.coffee()).save(coffee)
    page.set_input_files("#image-input", str(coffee))
    page.wait_for_selector("#result-label[data-label=unusual]", timeout=30_000)
    assert page.text_content("#result-label").strip() == "inusual"
    assert page.is_visible("#forced-choice-note")  # the cat/dog bars are a forced choice here
    assert "café expreso" in page.text_content("#heatmap-caption")  # its likeliest ImageNet class explained
    assert page.locator("#recent .card").count() == 2
    assert not page.is_disabled("#share-button") and page.text_content("#share-status") == ""  # a new, unshared photo

    coffee_analysis = Analysis.objects.get(label="unusual")
    page.once("dialog", lambda dialog: dialog.dismiss())  # "Delete this analysis?" - no
    page.click("#delete-button")
    assert page.is_visible("#result") and Analysis.objects.filter(pk=coffee_analysis.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-button")
    page.wait_for_selector("#error.alert-info")
    assert page.text_content("#error") == "Borrado."
    assert not page.is_visible("#result") and page.locator("#recent .card").count() == 1
    assert not Analysis.objects.filter(pk=coffee_analysis.pk).exists()
    assert StoredImage.objects.count() == 1 and StoredImage.objects.get() == shared.image  # the shared one stays
    page.reload()
    page.wait_for_selector("#analyzer[data-ready=true]", state="attached")
    assert page.locator("#recent .card").count() == 1


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
def test_the_tags_note_says_when_the_imagenet_network_disagrees_with_the_class_model(
    live_server, transactional_db, finished_run, people, classroom, chelsea, artifacts_dir, browser_page
):
    from ml_models.services import activate_version

    activate_version(version=finished_run.model_version, classroom=classroom)  # the halves classifier answers
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(people["student"]), "url": live_server.url}])
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#analyzer[data-ready=true]", state="attached")
    assert "student-cnn v1" in page.text_content("#serving-note")
    page.set_input_files("#image-input", str(chelsea))
    page.wait_for_selector("#result:not(.d-none)", timeout=30_000)
    # the classifier learnt "cat = left half bright" and calls Chelsea a dog; ImageNet still sees a cat
    assert page.get_attribute("#result-label", "data-label") == "dog"
    assert page.text_content("#detail-model") == "student-cnn v1"
    assert page.is_visible("#tags-note")
    note = page.text_content("#tags-note")  # "the ImageNet network behind the tags leans towards cat; ..."
    assert "ImageNet" in note and "«gato»" in note and note.endswith("student-cnn v1.")
    page.screenshot(path=str(artifacts_dir / "analyze-tags-disagree-es.png"), full_page=True)


@pytest.mark.tensorflow
def test_run_page_draws_curves_results_and_comparison_in_the_page_language(
    live_server, transactional_db, finished_run, people, classroom, artifacts_dir, browser_page
):
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(people["student"]), "url": live_server.url}])
    url = f"{live_server.url}/classes/{classroom.pk}/training/{finished_run.pk}/"
    page.goto(url)
    page.wait_for_selector("#results:not(.d-none)")
    assert page.get_attribute("#status", "data-status") == "succeeded"
    assert page.text_content("#status") == "completado" and page.text_content("#stage") == "terminado"
    assert page.evaluate("Chart.getChart('loss-chart').data.datasets.map(d => d.data.length)") == [16, 16]
    assert page.locator("#confusion tbody tr").count() == 2
    assert page.locator("#confusion tbody tr td:first-child").all_inner_texts() == ["gato", "perro"]
    assert page.locator("#per-class tbody tr td:first-child").all_inner_texts() == ["gato", "perro"]
    # the names are the page's own Spanish strings (their wording belongs to the training page's catalogue)
    strings = page.evaluate("JSON.parse(document.getElementById('i18n-strings').textContent)")
    assert page.locator("#artifacts tbody tr td:first-child").all_inner_texts() == [  # no quantization asked
        strings["artifacts"][kind] for kind in ("keras", "onnx", "onnx_served", "onnx_served_int8")]
    assert page.text_content("#cv-what") == strings["cv"]["student_cnn"]
    assert page.locator("#cv-table tbody tr").count() == 2  # accuracy and epochs per fold (the student CNN stops early)
    assert "exactitud" in page.text_content("#test-summary")
    assert page.text_content("#model-link") == "student-cnn v1"
    assert not page.is_visible("#cancel-form")
    page.screenshot(path=str(artifacts_dir / "training-run-es.png"), full_page=True)

    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto(url)
    page.wait_for_selector("#results:not(.d-none)")
    assert page.text_content("#status") == "succeeded" and page.text_content("#stage") == "done"
    assert page.locator("#confusion tbody tr td:first-child").all_inner_texts() == ["cat", "dog"]
    assert page.locator("#artifacts tbody tr td:first-child").all_inner_texts() == [
        "Keras (float)", "ONNX (float)", "ONNX served (float, with the ImageNet outputs for tags)",
        "ONNX served INT8 (for the browser, with the ImageNet outputs for tags)"]
    assert page.text_content("#cv-what").startswith("What was cross-validated: the small CNN")
    assert "accuracy" in page.text_content("#test-summary")
    page.screenshot(path=str(artifacts_dir / "training-run-en.png"), full_page=True)
