"""In Debian's Chromium, in a class: a student labels ten pictures with the keyboard only (with a skip and
an undo), uploads pictures and a .zip on the gallery page with a progress bar and a report per file, and
sees the class's learning curve next to its real models."""
import zipfile

import pytest

from tests import images
from tests.conftest import session_for

pytestmark = pytest.mark.browser

# Keys pressed on the queue, in order. "u" takes back the label just given (the "2"), and the same
# picture comes back and is labelled "3" instead; "s" skips a picture without labelling it.
KEYS = ["1", "2", "3", "1", "s", "2", "u", "3", "3", "2", "1", "2", "1"]
VALUES = {"1": "cat", "2": "dog", "3": "neither"}


def shown_image(page) -> int:
    return int(page.get_attribute("#queue-image", "data-image-id"))


def wait_for_another_image(page, previous: int) -> int:
    """Wait until the queue shows a picture other than `previous`, loaded and ready for a key."""
    page.wait_for_function(
        """previous => document.getElementById('queue').dataset.state === 'ready'
                       && document.getElementById('queue-image').dataset.imageId !== String(previous)""",
        arg=previous, timeout=15_000)
    return shown_image(page)


def test_student_labels_ten_pictures_with_the_keyboard_only(
    live_server, transactional_db, student, classroom, media_root, artifacts_dir, browser_page
):
    from classifier.models import StoredImage
    from labeling.models import Label, Skip
    from labeling.services import import_image

    for i in range(13):
        import_image(classroom=classroom, content=images.jpeg(64 + 8 * i, 48 + 4 * i), name=f"foto-{i}.jpg",
                     value=None)
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/?next=/classes/{classroom.pk}/labeling/queue/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", "s3cret-pass!")
    page.click("button[type=submit].btn-primary")
    page.wait_for_selector("#queue[data-ready=true]", state="attached")
    page.wait_for_selector("#queue[data-state=ready]", state="attached", timeout=15_000)
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.input_value("#strategy") == "random"
    page.locator("body").focus()  # keys go to the page, not to a form field
    strings = page.evaluate("JSON.parse(document.getElementById('i18n-strings').textContent)")

    first = shown_image(page)
    page.keyboard.press("u")  # nothing to undo yet: said in the page's language, the picture stays
    page.wait_for_selector("#feedback.alert-warning")
    assert page.text_content("#feedback") == strings["nothing_to_undo"] == "No hay nada que deshacer."
    assert shown_image(page) == first

    pressed: dict[int, str] = {}  # image id -> value its last key gave it
    history: list[int] = []  # images in the order they were labelled or skipped
    skipped = None
    current = shown_image(page)
    for key in KEYS:
        page.keyboard.press(key)
        if key == "u":
            undone = history.pop()
            del pressed[undone]
            current = wait_for_another_image(page, current)
            assert current == undone, "after an undo the same picture is shown again"
            assert not Label.objects.filter(user=student, image_id=undone).exists()
            continue
        if key == "s":
            skipped = current
        else:
            pressed[current] = VALUES[key]
        history.append(current)
        current = wait_for_another_image(page, current)
        assert current not in history, "a picture already labelled or skipped came back"
        if key == "s":
            assert Skip.objects.filter(user=student, image_id=skipped).exists()
            assert not Label.objects.filter(image_id=skipped).exists()

    labels = Label.objects.filter(user=student)
    assert {label.image_id: label.value for label in labels} == pressed
    assert len(pressed) == 10 and labels.count() == 10  # one label per picture, none twice
    assert {label.strategy for label in labels} == {"random"}
    assert {label.labeler for label in labels} == {"ana"} and {label.classroom_id for label in labels} == {classroom.pk}
    assert list(Skip.objects.filter(user=student).values_list("image_id", flat=True)) == [skipped]
    assert skipped not in pressed
    assert not Label.objects.exclude(user=student).exists()
    assert StoredImage.objects.count() == 13

    assert page.text_content("#my-count").strip() == "10"
    assert page.is_visible("#queue-image") and not page.is_visible("#queue-message")
    assert page.evaluate("document.getElementById('queue-image').naturalWidth") > 0
    assert page.get_attribute("#feedback", "class").endswith("alert-success")
    page.screenshot(path=str(artifacts_dir / "labeling-queue.png"), full_page=True)


def test_a_refused_label_says_why_and_the_queue_goes_on(
    live_server, transactional_db, student, classroom, media_root, browser_page
):
    from classifier.models import StoredImage
    from labeling.models import Label
    from labeling.services import import_image, label_image

    for i in range(4):
        import_image(classroom=classroom, content=images.jpeg(64 + 8 * i, 48), name=f"foto-{i}.jpg", value=None)
    from django.conf import settings

    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(student), "url": live_server.url},
                              {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/classes/{classroom.pk}/labeling/queue/")
    page.wait_for_selector("#queue[data-state=ready]", state="attached", timeout=15_000)
    strings = page.evaluate("JSON.parse(document.getElementById('i18n-strings').textContent)")
    enabled = "[...document.querySelectorAll('[data-value], #skip-button')].every(button => !button.disabled)"

    # labelled meanwhile in another tab: the server refuses, the page says so and shows another picture
    first = shown_image(page)
    label_image(classroom=classroom, user=student, image=StoredImage.objects.get(pk=first), value="cat",
                strategy="random")
    page.keyboard.press("2")
    second = wait_for_another_image(page, first)
    assert page.text_content("#feedback") == "You have already labelled this image."  # the server's reason
    assert page.evaluate(enabled)
    assert Label.objects.get(user=student, image_id=first).value == "cat"

    # the network fails: a message in the page's language, and the same picture is ready again
    labels_api = f"**/api/v1/classes/{classroom.pk}/labeling/labels/"
    page.route(labels_api, lambda route: route.abort())
    page.keyboard.press("1")
    page.wait_for_function("text => document.getElementById('feedback').textContent === text",
                           arg=strings["error"])
    page.wait_for_selector("#queue[data-state=ready]", state="attached")
    assert shown_image(page) == second and page.evaluate(enabled)
    page.unroute(labels_api)
    page.keyboard.press("1")
    wait_for_another_image(page, second)
    assert Label.objects.get(user=student, image_id=second).value == "cat"


def test_gallery_uploads_files_and_a_zip_with_progress_and_a_report(
    live_server, transactional_db, student, classroom, media_root, tmp_path, artifacts_dir, browser_page
):
    from classifier.models import StoredImage
    from eduai.models import Job
    from labeling.models import ClassImage

    photo = tmp_path / "gato.jpg"
    photo.write_bytes(images.jpeg(120, 90))
    archive = tmp_path / "fotos.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("perros/perro-1.jpg", images.jpeg(100, 80))
        bundle.writestr("perros/perro-2.png", images.rgba_png())
    notes = tmp_path / "notas.txt"
    notes.write_bytes(images.TEXT)

    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(student), "url": live_server.url}])
    page.goto(f"{live_server.url}/classes/{classroom.pk}/labeling/images/")
    page.wait_for_selector("#uploader[data-ready=true]", state="attached")
    page.click("#uploader > summary")
    assert page.get_attribute("#uploader", "open") is not None
    done = page.evaluate("JSON.parse(document.getElementById('i18n-strings').textContent).done")
    assert not page.is_visible("#upload-refresh")

    page.set_input_files("#upload-input", [str(photo), str(archive), str(notes)])
    page.wait_for_function("done => document.getElementById('upload-status').textContent === done", arg=done,
                           timeout=30_000)

    added = page.locator("#upload-report li[data-outcome=added]")
    rejected = page.locator("#upload-report li[data-outcome=rejected]")
    assert added.count() == 3 and rejected.count() == 1
    assert page.locator("#upload-report li").count() == 4
    added_text = " ".join(added.all_inner_texts())
    for name in ("gato.jpg", "fotos.zip/perros/perro-1.jpg", "fotos.zip/perros/perro-2.png"):
        assert name in added_text
    assert "notas.txt" in rejected.inner_text()
    assert "no es una imagen" in rejected.inner_text()  # the reason, in Spanish
    assert page.evaluate("document.getElementById('upload-bar').style.width") == "100%"
    assert page.get_attribute("#upload-progress", "aria-valuenow") == "100"
    page.wait_for_function(  # the bar grows with a CSS transition: wait until it is drawn full
        """() => Math.abs(document.getElementById('upload-bar').getBoundingClientRect().width
                          - document.getElementById('upload-progress').getBoundingClientRect().width) < 1""")
    assert StoredImage.objects.count() == 3
    stored = sorted(ClassImage.objects.filter(classroom=classroom).values_list("original_name", flat=True))
    assert stored == ["gato.jpg", "perro-1.jpg", "perro-2.png"]  # the names come with the class's pictures
    scoring = Job.objects.get(kind="scoring")  # the worker scores the new pictures for the queue
    assert scoring.classroom == classroom and sorted(scoring.params["images"]) == sorted(
        StoredImage.objects.values_list("id", flat=True))
    page.screenshot(path=str(artifacts_dir / "labeling-upload.png"), full_page=True)

    assert page.is_visible("#gallery-empty")  # drawn before the upload; the link draws it again
    page.click("#upload-refresh")
    page.wait_for_selector("#gallery")
    assert page.locator("#gallery [data-image-id]").count() == 3


def test_learning_curve_page_draws_both_strategies_with_their_spread_and_the_real_history(
    live_server, transactional_db, student, teacher, classroom, make_user, artifacts_dir, browser_page
):
    import hashlib

    import numpy as np
    from django.conf import settings as django_settings
    from django.utils import timezone

    from eduai import classes
    from eduai.models import Job
    from labeling import learning_curve
    from ml_models.models import ModelVersion
    from training.models import TrainingRun

    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 150)
    embeddings = rng.normal(labels[:, None] * 1.0, 1.0, size=(300, 8)).astype(np.float32)
    keys = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(300)]
    settings = learning_curve.CurveSettings(sizes=(20, 50, 100), seeds=3)
    result = learning_curve.simulate(embeddings, labels, keys, settings)
    result["labels_needed"] = {**learning_curve.labels_needed(result, at=100), "at": 100}
    Job.objects.create(kind="learning_curve", classroom=classroom, status="succeeded", progress=1.0,
                       params={}, result=result, finished_at=timezone.now())  # a finished simulation of the class

    def trained(number, pictures, accuracy):  # a version trained from the class on `pictures` cats and dogs
        version = ModelVersion.objects.create(
            name="lite0-finetune", version=number, kind="classifier", artifact_dir=f"x/{number}", sha256="0" * 64,
            metrics={"test": {"accuracy": accuracy}, "labels": 2 * pictures}, classroom=classroom)
        dataset = [{"image_id": i, "sha256": f"{i:064x}", "label": label} for i in range(pictures)
                   for label in ("cat", "dog")]
        TrainingRun.objects.create(classroom=classroom, job=Job.objects.create(kind="training", classroom=classroom),
                                   config={}, dataset=[{**item, "sha256": f"{item['label']}{item['sha256']}"[:64]}
                                                       for item in dataset], model_version=version, created_by=teacher)

    trained(1, 100, 0.90)
    trained(2, 100, 0.92)  # the same labels: the same test pictures as version 1
    trained(3, 150, 0.95)  # more pictures: the test split moved
    other = classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))  # not shown in ana's class
    ModelVersion.objects.create(name="lite0-finetune", version=9, kind="classifier", artifact_dir="y", sha256="1" * 64,
                                metrics={"test": {"accuracy": 0.7}, "labels": 40}, classroom=other)

    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(student), "url": live_server.url},
                              {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/classes/{classroom.pk}/labeling/learning-curve/")
    page.wait_for_selector("#curve[data-status=succeeded]", state="attached")
    series = page.evaluate("Chart.getChart('curve-chart').data.datasets.map(d => [d.label, d.data.map(p => p.x)])")
    means = [label for label, _ in series if "±" not in label]
    assert means == ["random sampling", "uncertainty sampling"]
    assert all(xs == [20, 50, 100] for _, xs in series)
    assert len(series) == 6  # each mean with an upper and a lower band of ± one standard deviation
    accuracy = page.evaluate("Chart.getChart('curve-chart').data.datasets[0].data[1].y")
    assert accuracy == pytest.approx(100 * result["strategies"]["random"]["mean"][1])
    assert page.evaluate("Chart.getChart('curve-chart').options.scales.x.type") == "logarithmic"
    assert page.evaluate("Chart.getChart('curve-chart').options.scales.y.title.text") == "test accuracy (%)"
    # versions are joined only when they were tested on the same pictures
    history = page.evaluate("Chart.getChart('history-chart').data.datasets.map(d => [d.label, d.showLine,"
                            " d.data.map(p => [p.x, Math.round(p.y)])])")
    assert history == [["versions tested on the same 30 test pictures", True, [[200, 90], [200, 92]]],
                       ["versions tested on the same 44 test pictures", True, [[300, 95]]]]
    summary = page.text_content("#curve-summary")
    compared = learning_curve.compare(result)
    if compared["reference_apart"]:
        assert f"with {result['labels_needed']['uncertainty_labels']} labels" in summary
    else:  # within the spread at 100 labels: no "n labels (p %)" claim
        assert "uncertainty sampling gets there" not in summary
    if not any(compared["apart"]):
        assert "At every number of labels simulated" in summary
    elif compared["within_spread_from"] is not None:
        assert f"From {compared['within_spread_from']} labels on" in summary
    page.screenshot(path=str(artifacts_dir / "labeling-learning-curve.png"), full_page=True)
