"""The overfitting time machine: the probe set (training/pipeline/probes.py), what a real run stores (one entry per
epoch, the served heatmap), the API and the lesson widget (who sees which probe), and the run page's slider in a
browser. Photos are the shared datasets' cats and dogs; API, widget and browser tests use time machines written
as the worker writes them (no TensorFlow there)."""
import hashlib
import random

import numpy as np
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient

from eduai import classes
from eduai.errors import AppError
from eduai.models import Job
from labeling import services as labeling
from labeling.models import ClassImage
from lessons import widget_data, widgets
from training.models import TimeMachine, TrainingRun
from training.pipeline.config import PRESETS
from training.pipeline.data import Example, split_by_hash
from training.selectors import no_time_machine_message
from training.services import dataset_snapshot

# validation loss lowest at epoch 3, then higher: the turning epoch is 3
HISTORY = [{"stage": "train", "epoch": e, "loss": 1.0 / e, "accuracy": 0.5 + 0.08 * e, "val_loss": v,
            "val_accuracy": 0.7} for e, v in enumerate([0.9, 0.7, 0.6, 0.65, 0.8, 1.0], start=1)]


def examples_of(paths_by_label: dict[int, list]) -> list[Example]:
    return [Example(hashlib.sha256(path.read_bytes()).hexdigest(), path, label)
            for label, paths in paths_by_label.items() for path in paths]


# ------------------------------------------------------------------------------------------ the probe set

def test_probes_are_chosen_by_hash_half_validation_half_training_whatever_the_order(cat_photos, dog_photos):
    from training.pipeline.probes import choose_probes

    examples = examples_of({0: cat_photos, 1: dog_photos})
    splits = split_by_hash(examples, validation_fraction=0.3, test_fraction=0.15)  # train 12, validation 6
    probes = choose_probes(splits, ["cat", "dog"])
    shuffled = examples[:]
    random.Random(3).shuffle(shuffled)
    again = choose_probes(split_by_hash(shuffled, validation_fraction=0.3, test_fraction=0.15), ["cat", "dog"])
    assert probes == again  # the same photos give the same probes, in the same order
    assert [p.split for p in probes] == ["train"] * 6 + ["validation"] * 6
    test = {example.sha256 for example in splits.test}
    assert not test & {p.sha256 for p in probes}  # never a test photo
    # each split's share in sha256 order, the classes taking turns
    assert [p.label for p in probes] == ["cat", "dog"] * 6
    train_cats = sorted(e.sha256 for e in splits.train if e.label == 0)
    assert [p.sha256 for p in probes if p.split == "train" and p.label == "cat"] == train_cats[:3]


def test_a_short_split_leaves_its_share_to_the_other_and_a_small_dataset_gives_fewer_probes(cat_photos, dog_photos):
    from training.pipeline.probes import choose_probes

    splits = split_by_hash(examples_of({0: cat_photos, 1: dog_photos}), validation_fraction=0.15, test_fraction=0.15)
    assert splits.sizes() == {"train": 12, "validation": 4, "test": 4}
    probes = choose_probes(splits, ["cat", "dog"])
    assert [p.split for p in probes] == ["train"] * 8 + ["validation"] * 4  # 12 all the same
    small = split_by_hash(examples_of({0: cat_photos[:4], 1: dog_photos[:4]}), validation_fraction=0.15,
                          test_fraction=0.15)
    assert sum(small.sizes().values()) == 8 and small.sizes()["test"] == 2  # round(4 x 0.15) = 1 per class
    assert len(choose_probes(small, ["cat", "dog"])) == 6  # every train and validation photo, no more


@pytest.mark.parametrize("unusual", [False, True])
def test_a_probes_answer_is_the_served_answer_for_the_same_outputs_in_three_decimals(unusual):
    """The served answer (answer.answer on the graph's outputs) and the probe's, from the same feature maps and
    logits layer: the same forced choice of cat or dog, the same heatmap (an "unusual" photo too)."""
    import json

    from ml_models.core import answer as answers
    from ml_models.core import contract, imagenet
    from ml_models.core.cam import FIXED_SCALE_LOGITS, fixed_scale
    from training.pipeline.probes import class_maps, probe_answer

    rng = np.random.RandomState(4)
    features, kernel = rng.rand(1, 5, 5, 8).astype(np.float32), rng.randn(8, 2).astype(np.float32)
    maps = class_maps(features, kernel)[0]
    logits = maps.mean(axis=(0, 1)) + np.array([0.1, -0.2])
    probabilities = (np.exp(logits) / np.exp(logits).sum()).astype(np.float32)
    imagenet_probabilities = np.full(imagenet.NUM_CLASSES, 1 / imagenet.NUM_CLASSES, np.float32)
    if not unusual:  # all of ImageNet's probability on cats and dogs: not unusual at all
        imagenet_probabilities[:] = 0
        imagenet_probabilities[imagenet.CAT_CLASSES] = 1 / len(imagenet.CAT_CLASSES)
    rule = contract.unusual_rule(output="imagenet_probabilities", threshold=0.5, calibration={})
    signature = contract.trained_signature(family="student_cnn", class_names=["cat", "dog"], feature_maps=(5, 5, 8),
                                           embedding=8, unusual=rule)
    served = answers.answer({"probabilities": probabilities, "class_maps": maps,
                             "imagenet_probabilities": imagenet_probabilities}, signature)
    assert (served.verdict.label == "unusual") == unusual
    probe = probe_answer(probabilities, maps, ["cat", "dog"])
    assert probe["label"] == ("cat" if served.verdict.cat >= 0.5 else "dog")
    assert probe["probabilities"]["cat"] == round(float(served.verdict.cat), 3)
    assert np.abs(np.array(probe["cam"]) - served.cam).max() <= 5e-4 and np.array(probe["cam"]).max() == 1.0
    # with its strongest cell, the same map on the fixed scale, as the lessons' cam widget draws it
    fixed = np.minimum(1, np.array(probe["cam"]) * probe["strongest"] / FIXED_SCALE_LOGITS)
    assert np.abs(fixed - fixed_scale(served.evidence)).max() <= 2e-3
    written = json.dumps(probe["cam"])
    assert max(len(number.split(".")[1]) for number in written.replace("[", "").replace("]", "").split(", ")) <= 3


# ------------------------------------------------------------------------------------ a real run, stored

@pytest.fixture
def photo_class(classroom, cat_photos, dog_photos):
    """`classroom` with the shared datasets' first 10 cats and 10 dogs, labelled from their folders."""
    for label, paths in (("cat", cat_photos), ("dog", dog_photos)):
        for path in paths:
            labeling.import_image(classroom=classroom, content=path.read_bytes(), name=path.name, value=label)
    return classroom


@pytest.mark.tensorflow
def test_a_short_student_cnn_run_stores_one_entry_per_epoch_with_the_served_heatmaps(photo_class, teacher, settings,
                                                                                   tmp_path):
    from ml_models.core.artifacts import Manifest
    from ml_models.core.inference import ServedModel
    from ml_models.core.preprocess import load_rgb
    from training.pipeline.config import preset
    from training.services import execute_run, start_run

    settings.MODELS_DIR = tmp_path / "models"
    config = preset("smoke", image_size=32, epochs=3, batch_size=8, learning_rate=3e-3)
    run = execute_run(start_run(classroom=photo_class, config=config, user=teacher, enqueue=False))
    assert run.job.status == "succeeded", run.job.error
    machine = TimeMachine.objects.get(run=run)
    assert [(e["epoch"], e["stage"]) for e in machine.epochs] == [(r["epoch"], r["stage"]) for r in run.history]
    assert len(machine.epochs) == 3 and len(machine.timings_ms) == 3
    # 20 photos: 12 train, 4 validation, 4 test, so the 4 validation photos and 8 training ones
    assert [p["split"] for p in machine.probes] == ["train"] * 8 + ["validation"] * 4
    labels = {item["sha256"]: item["label"] for item in run.dataset}
    assert all(labels[p["sha256"]] == p["label"] for p in machine.probes)
    for entry in machine.epochs:
        assert len(entry["answers"]) == 12
        for answer in entry["answers"]:
            grid = np.array(answer["cam"])
            assert grid.shape == (4, 4)  # 32 px, three 2x2 poolings
            assert grid.min() >= 0 and grid.max() in (0.0, 1.0)  # scaled to the photo's own maximum
            assert abs(sum(answer["probabilities"].values()) - 1) < 0.01 and answer["strongest"] >= 0
    # no early stopping: the last epoch's weights are the exported version's, so its answers are the served ones
    folder = settings.MODELS_DIR / run.model_version.artifact_dir
    served = ServedModel.load(folder)
    assert "time_machine" not in Manifest.read(folder).metrics  # one copy: the run's TimeMachine row
    files = {picture.image.sha256: picture.image.file.path
             for picture in ClassImage.objects.filter(classroom=photo_class).select_related("image")}
    for probe, answer in zip(machine.probes, machine.epochs[-1]["answers"]):
        result = served.answer(load_rgb(files[probe["sha256"]]))
        assert answer["probabilities"]["cat"] == pytest.approx(result.verdict.cat, abs=2e-3)
        assert np.allclose(answer["cam"], result.cam, atol=0.02)


# --------------------------------------------------------------------------------- rows as the worker writes

def make_run(classroom, *, status="succeeded", history=HISTORY, **config) -> TrainingRun:
    job = Job.objects.create(kind=Job.Kind.TRAINING, classroom=classroom, status=status,
                             finished_at=timezone.now() if status == "succeeded" else None)
    return TrainingRun.objects.create(classroom=classroom, job=job, history=list(history),
                                      config={**PRESETS["smoke"].to_dict(), **config},
                                      dataset=dataset_snapshot(classroom, ["cat", "dog"]))


def record(run: TrainingRun, *, probes: int = 12, grid: int = 4) -> TimeMachine:
    """A time machine as probes.ProbeRecorder writes it: the run's first pictures by hash as probes, answers that
    drift from a coin toss at epoch 1 towards each photo's label, a heatmap whose hot cell moves every epoch and
    whose evidence grows (0.05 logits per epoch at its strongest cell)."""
    chosen = sorted(run.dataset, key=lambda item: item["sha256"])[:probes]
    entries = []
    for row in run.history:
        epoch, answers = row["epoch"], []
        for index, item in enumerate(chosen):
            sure = min(0.99, 0.5 + 0.1 * epoch)
            cat = sure if (item["label"] == "cat") == (index % 3 != 0 or epoch > 4) else 1 - sure
            cam = np.zeros((grid, grid))
            cam[epoch % grid, index % grid] = 1.0
            answers.append({"label": "cat" if cat >= 0.5 else "dog", "strongest": round(0.05 * epoch, 4),
                            "probabilities": {"cat": round(cat, 3), "dog": round(1 - cat, 3)}, "cam": cam.tolist()})
        entries.append({"epoch": epoch, "stage": row["stage"], "answers": answers})
    return TimeMachine.objects.create(run=run, epochs=entries, timings_ms=[12.0] * len(entries), probes=[
        {"sha256": item["sha256"], "split": "validation" if index % 2 else "train", "label": item["label"]}
        for index, item in enumerate(chosen)])


@pytest.fixture
def other_class(make_user):
    return classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url_of(run, classroom=None) -> str:
    return f"/api/v1/classes/{(classroom or run.classroom).pk}/training-runs/{run.pk}/time-machine/"


def test_members_get_each_probes_answer_per_epoch_the_turning_epoch_and_the_curves(photo_class, student):
    run = make_run(photo_class)
    record(run)
    response = client_for(student).get(url_of(run))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["run"] == run.pk and data["hidden"] == 0 and len(data["probes"]) == 12
    assert {p["split"] for p in data["probes"]} == {"train", "validation"}
    browser = Client()
    browser.force_login(student)
    picture = browser.get(data["probes"][0]["url"])  # the class picture's own page URL, for members
    assert picture.status_code == 200 and b"".join(picture.streaming_content)[:2] == b"\xff\xd8"
    assert [(e["epoch"], e["stage"]) for e in data["epochs"]] == [(r["epoch"], r["stage"]) for r in HISTORY]
    assert all(len(e["answers"]) == 12 and np.array(e["answers"][0]["cam"]).shape == (4, 4) for e in data["epochs"])
    assert data["turning_epoch"] == 3  # lowest validation loss, higher after it
    assert [row["val_loss"] for row in data["history"]] == [row["val_loss"] for row in HISTORY]
    assert data["curves"]["best_epoch"] == 3


def test_the_turning_epoch_is_none_while_validation_loss_still_falls():
    from training.selectors import turning_epoch

    falling = [{"epoch": e, "val_loss": 1.0 / e} for e in range(1, 6)]
    assert turning_epoch(falling) is None
    assert turning_epoch(falling + [{"epoch": 6, "val_loss": 0.3}]) == 5
    assert turning_epoch([{"epoch": 1, "val_loss": None}]) is None


def test_a_run_of_another_class_is_not_found_for_anyone_outside_it(photo_class, other_class, student):
    run = make_run(photo_class)
    record(run)
    outsider = client_for(other_class.created_by)  # a teacher, but of another class
    assert outsider.get(url_of(run)).status_code == 404
    theirs = make_run(other_class, history=HISTORY)
    asked = client_for(student).get(url_of(theirs, photo_class))  # their run through her own class
    assert asked.status_code == 404 and asked.json()["code"] == "not_found"


def test_a_run_without_a_time_machine_says_why_in_the_readers_language(photo_class, student):
    older = make_run(photo_class)
    running = make_run(photo_class, status="running", history=HISTORY[:2])
    with translation.override("en"):
        answer = client_for(student).get(url_of(older), HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 404 and answer.json()["code"] == "no_time_machine"
    assert "before the time machine existed" in answer.json()["detail"]
    still = client_for(student).get(url_of(running), HTTP_ACCEPT_LANGUAGE="en").json()
    assert still["code"] == "no_time_machine" and "still training" in still["detail"]
    with translation.override("es"):
        in_spanish = no_time_machine_message(older)  # what the Spanish catalogue says
    assert client_for(student).get(url_of(older), HTTP_ACCEPT_LANGUAGE="es").json()["detail"] == in_spanish


def test_students_see_no_gold_probe_and_nobody_a_picture_gone_from_the_class(photo_class, student, teacher):
    run = make_run(photo_class)
    machine = record(run)
    ids = {item["sha256"]: item["image_id"] for item in run.dataset}
    gold, gone = (ids[probe["sha256"]] for probe in machine.probes[:2])
    labeling.mark_gold(classroom=photo_class, image=ClassImage.objects.get(image_id=gold).image, teacher=teacher,
                       value=machine.probes[0]["label"])
    ClassImage.objects.filter(classroom=photo_class, image_id=gone).delete()
    seen = client_for(student).get(url_of(run)).json()
    assert gold not in [p["image_id"] for p in seen["probes"]] and seen["hidden"] == 2
    assert all(len(e["answers"]) == 10 for e in seen["epochs"])
    assert seen["epochs"][0]["answers"][0] == machine.epochs[0]["answers"][2]  # answers stay with their probe
    taught = client_for(teacher).get(url_of(run)).json()
    assert gold in [p["image_id"] for p in taught["probes"]] and gone not in [p["image_id"] for p in taught["probes"]]
    assert taught["hidden"] == 1


# ------------------------------------------------------------------------------------------- the widget

def widget(classroom, user, **given) -> dict:
    _widget, values, problems = widgets.resolve("time-machine", {key: str(value) for key, value in given.items()})
    assert not problems
    with translation.override("en"):
        return widget_data.time_machine(classroom=classroom, user=user, options=values)


def test_the_widget_shows_the_latest_run_with_a_time_machine_and_never_another_classs(photo_class, other_class,
                                                                                      student):
    assert "no training run with a time machine" in widget(photo_class, student)["empty"]
    recorded = make_run(photo_class)
    record(recorded)
    make_run(photo_class)  # newer, made before the time machine existed
    shown = widget(photo_class, student)
    assert shown["run"] == recorded.pk and shown["summary"]["url"].endswith(f"/training/{recorded.pk}/")
    assert len(shown["probes"]) == 12 and shown["turning_epoch"] == 3
    newest = TrainingRun.objects.filter(classroom=photo_class).first()
    assert "before the time machine existed" in widget(photo_class, student, run=newest.pk)["empty"]
    theirs = make_run(other_class)
    record(theirs)
    with pytest.raises(AppError) as refused:
        widget(photo_class, student, run=theirs.pk)
    assert refused.value.status == 404


def test_the_run_page_and_the_widget_say_the_same_words():
    """One set of words (training.views.TIME_MACHINE) for the run page's script and the lesson widget."""
    from training.views import TIME_MACHINE, run_strings

    entry = widgets.REGISTRY["time-machine"]
    assert (settings.BASE_DIR / "static" / entry.module).is_file()
    for language in ("es", "en"):
        with translation.override(language):
            page = {key: str(text) for key, text in run_strings()["time_machine"].items()}
            widget = {key: str(text) for key, text in widget_data.STRINGS["time-machine"].items()}
            assert page == {key: str(text) for key, text in TIME_MACHINE.items()}
            assert all(widget[key] == text for key, text in page.items())
    with translation.override("es"):
        assert str(TIME_MACHINE["slider"]) != "Epoch shown"  # translated when read, not when imported


# ------------------------------------------------------------------------------------------- in the browser

@pytest.mark.browser
def test_the_run_pages_slider_moves_the_answers_heatmaps_and_the_charts_marker(live_server, transactional_db,
                                                                            photo_class, student, artifacts_dir,
                                                                            browser_page):
    from tests.conftest import session_for

    run = make_run(photo_class)
    machine = record(run)
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(student), "url": live_server.url},
                              {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/classes/{photo_class.pk}/training/{run.pk}/")
    page.wait_for_selector("#time-machine[data-state=ready]", timeout=15_000)
    box = page.locator("#time-machine")
    assert box.locator("[data-group=train] [data-probe]").count() == 6
    assert box.locator("[data-group=validation] [data-probe]").count() == 6
    assert box.get_attribute("data-epoch") == "1" and box.locator("canvas").count() == 12
    answers = lambda: [box.locator("[data-answer]").nth(i).get_attribute("data-answer") for i in range(12)]  # noqa: E731
    marker = "Chart.getChart(document.getElementById('loss-chart')).$epochMarkers"
    assert page.evaluate(f"{marker}.chosen") == 1 and page.evaluate(f"{marker}.turning") == 3
    shown = [i for split in ("train", "validation") for i, p in enumerate(machine.probes) if p["split"] == split]
    expected = lambda epoch: [machine.epochs[epoch - 1]["answers"][i]["label"] for i in shown]  # noqa: E731
    assert answers() == expected(1)
    page.screenshot(path=str(artifacts_dir / "time-machine-run-1280.png"), full_page=True)
    slider = box.locator("input[type=range]")
    slider.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")  # the keyboard moves it, like any range input
    assert box.get_attribute("data-epoch") == "5" and page.evaluate(f"{marker}.chosen") == 5
    assert answers() == expected(5) and answers() != expected(1)
    assert "Epoch 5 of 6" in box.locator("output").inner_text()
    assert "after epoch 3" in box.locator("[data-turning]").inner_text()
    box.locator("[data-go-turning]").click()
    assert box.get_attribute("data-epoch") == "3"
    opacity = ("[...document.querySelectorAll('#time-machine canvas')].map(c => c.getContext('2d')"
               ".getImageData(0, 0, c.width, c.height).data.filter((v, i) => i % 4 === 3).reduce((a, b) => a + b, 0))"
               ".reduce((a, b) => a + b, 0)")
    assert box.get_attribute("data-scale") == "run"  # one scale: at epoch 3, 0.15 of the run's strongest 0.3 logits
    faint = page.evaluate(opacity)
    box.locator("label[for$='-own']").click()  # each photo's own strongest cell: full colour there
    assert box.get_attribute("data-scale") == "own" and page.evaluate(opacity) > 1.5 * faint
    page.set_viewport_size({"width": 390, "height": 844})
    slider.focus()
    page.keyboard.press("End")
    assert box.get_attribute("data-epoch") == "6"
    page.wait_for_function("document.documentElement.scrollWidth <= 390", timeout=5_000)  # nothing wider
    page.screenshot(path=str(artifacts_dir / "time-machine-run-390.png"), full_page=True)
    box.locator("[data-group=validation]").scroll_into_view_if_needed()
    assert box.locator("input[type=range]").is_visible()  # the slider stays in view over the photos
    page.screenshot(path=str(artifacts_dir / "time-machine-run-390-scrolled.png"))


@pytest.mark.browser
def test_the_lesson_widget_draws_its_own_curves_and_moves_with_the_keyboard(live_server, transactional_db, photo_class,
                                                                          student, artifacts_dir, browser_page):
    from lessons.models import Lesson
    from tests.conftest import session_for

    run = make_run(photo_class)
    record(run)
    body = f"Mira cómo cambian.\n\n::: widget time-machine\nrun: {run.pk}\n:::\n"
    Lesson.objects.create(slug="maquina", topic="overfitting", title_es="Máquina del tiempo", title_en="Time machine",
                          body_es=body, body_en=body, builtin=True, status="published")
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(student), "url": live_server.url}])
    page.goto(f"{live_server.url}/lessons/maquina/")
    widget_body = page.locator("[data-widget=time-machine] .widget-body")
    page.wait_for_selector("[data-widget=time-machine] .widget-body[data-ready=true]", timeout=15_000)
    assert widget_body.get_attribute("data-state") == "ready"
    assert page.evaluate("[...document.querySelectorAll('[data-widget=time-machine] canvas')]"
                         ".filter(c => Chart.getChart(c)).length") == 2  # its own loss and accuracy charts
    machine = widget_body.locator("input[type=range]")
    machine.focus()
    page.keyboard.press("ArrowRight")
    marked = ("[...document.querySelectorAll('[data-widget=time-machine] canvas')].map(c => Chart.getChart(c))"
              ".filter(Boolean).map(c => c.$epochMarkers.chosen)")
    assert page.evaluate(marked) == [2, 2]
    page.screenshot(path=str(artifacts_dir / "time-machine-widget-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    # nothing wider than the phone, once the charts have followed the new width
    page.wait_for_function("document.documentElement.scrollWidth <= 390", timeout=5_000)
    page.screenshot(path=str(artifacts_dir / "time-machine-widget-390.png"), full_page=True)
