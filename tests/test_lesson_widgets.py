"""The lesson widgets' data (lessons/widget_data.py) on real classes: what each widget shows, its empty
state, a 404 for another class's run or version, and nothing private (no gold answer, no other class) for
students. Runs and versions are rows written as the worker writes them (no TensorFlow here)."""
import base64
import io
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from PIL import Image

from classifier.services import analyze_image
from eduai import classes
from eduai.errors import AppError
from eduai.models import Job
from labeling import selectors, services
from labeling.models import ImageScore
from lessons import widget_data, widgets
from ml_models.models import ModelVersion
from tests.images import jpeg
from training.models import TimeMachine, TrainingRun
from training.pipeline.config import PRESETS
from training.services import dataset_snapshot

CURVE_ROWS = [  # a run that overfits: validation loss climbs after epoch 2 while training loss falls
    {"stage": "train", "epoch": e, "loss": 1.0 / e, "accuracy": 0.5 + 0.05 * e,
     "val_loss": v, "val_accuracy": 0.7} for e, v in enumerate([0.8, 0.5, 0.6, 0.8, 1.1, 1.5], start=1)]


def options(name: str, **given) -> dict:
    """The widget's options as the API validates them (defaults filled in)."""
    widget, values, problems = widgets.resolve(name, {key: str(value) for key, value in given.items()})
    assert widget is not None and problems == []
    return values


def data(name: str, classroom, user, **given) -> dict:
    function = import_string(widgets.REGISTRY[name].data_function)
    return function(classroom=classroom, user=user, options=options(name, **given))


def english(name: str, classroom, user, **given) -> dict:
    with translation.override("en"):
        return data(name, classroom, user, **given)


def add_pictures(classroom, values: list[str | None], *, start: int = 0) -> list[int]:
    """One distinct picture per value, imported into the class (a value settles it as a dataset label)."""
    return [services.import_image(classroom=classroom, content=jpeg(40 + start + i, 30), name=f"p{start + i}.jpg",
                                  value=value).image.pk for i, value in enumerate(values)]


def score(image_id: int, version: ModelVersion, answer: str) -> None:
    """The version's answer for a picture, stored as the scoring job stores it."""
    shares = {"cat": 0.0, "dog": 0.0, "neither": 0.0, answer: 1.0}
    ImageScore.objects.create(image_id=image_id, model_version=version, probabilities=shares, answer=answer,
                              embedding=np.zeros(4, np.float16).tobytes())


@pytest.fixture
def other_class(make_user):
    return classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))


def make_run(classroom, *, history=(), status="succeeded", results=None, **config) -> TrainingRun:
    job = Job.objects.create(kind=Job.Kind.TRAINING, classroom=classroom, status=status,
                             finished_at=timezone.now() if status == "succeeded" else None)
    return TrainingRun.objects.create(classroom=classroom, job=job, history=list(history), results=results or {},
                                      config={**PRESETS["smoke"].to_dict(), **config},
                                      dataset=dataset_snapshot(classroom, ["cat", "dog"]))


def make_version(classroom, *, run=None, metrics=None) -> ModelVersion:
    version = ModelVersion.objects.create(name="student-cnn", version=ModelVersion.objects.count() + 1,
                                          kind=ModelVersion.Kind.CLASSIFIER, artifact_dir="student-cnn/1",
                                          sha256="0" * 64, classroom=classroom, metrics=metrics or {})
    if run is not None:
        run.model_version = version
        run.save(update_fields=["model_version"])
    return version


def test_every_widget_with_data_has_a_function_and_every_module_its_strings():
    for widget in widgets.REGISTRY.values():
        assert hasattr(widget_data, widget.name.replace("-", "_")) == (widget.has_data and not widget.data), widget.name
        if widget.has_data:
            assert callable(import_string(widget.data_function)), widget.name
        assert (Path(settings.BASE_DIR) / "static" / widget.module).is_file(), widget.module
        strings = widget_data.STRINGS[widget.name]
        assert strings and all(isinstance(text, Promise) for text in strings.values()), widget.name
        assert strings["error"]


# ------------------------------------------------------------------------------------ labeling-progress


def test_labeling_progress_counts_statuses_categories_labelers_and_kappa(classroom, student, teacher, make_user, join):
    assert "no pictures" in english("labeling-progress", classroom, student)["empty"]
    ben = make_user("ben")
    join(ben, classroom)
    dataset = add_pictures(classroom, ["cat", "dog", "neither"])
    voted = add_pictures(classroom, [None] * 4, start=10)
    for user, values in ((student, ["cat", "cat", "dog", "dog"]), (ben, ["cat", "dog", "dog"])):
        for image_id, value in zip(voted, values):
            services.label_image(classroom=classroom, user=user, image=selectors.pictures(classroom).get(pk=image_id),
                                 value=value, strategy="random")
    shown = data("labeling-progress", classroom, student)
    assert shown["total"] == 7 and shown["settled"] == 5  # 3 from the dataset, 2 agreed
    assert shown["statuses"] == {"dataset": 3, "consensus": 2, "disputed": 1, "needs_labels": 1}
    assert shown["categories"] == {"cat": 2, "dog": 2, "neither": 1}
    assert shown["labelers"] == 2 and shown["votes"] == 7 and shown["labels_per_image"] == 2
    assert shown["kappa_pictures"] == 3 and shown["kappa_meaning"] == "too_few"  # 3 shared pictures only
    assert shown["agreement_url"] == f"/classes/{classroom.pk}/labeling/agreement/"
    assert widget_data.settled_count(classroom) == 5
    assert dataset  # the dataset folder labels count as settled, not as labelers


def test_students_see_no_gold_status_and_the_settled_count_they_are_asked_about(classroom, student, teacher):
    (gold,) = add_pictures(classroom, [None])
    add_pictures(classroom, ["cat"], start=5)
    services.mark_gold(classroom=classroom, image=selectors.pictures(classroom).get(pk=gold), teacher=teacher,
                       value="dog")
    as_student, as_teacher = data("labeling-progress", classroom, student), data("labeling-progress", classroom, teacher)
    assert "gold" not in as_student["statuses"] and as_student["settled"] == 1
    assert as_student["categories"] == {"cat": 1, "dog": 0, "neither": 0}  # the gold answer stays the teacher's
    assert as_teacher["statuses"]["gold"] == 1 and as_teacher["settled"] == 2
    assert widget_data.settled_count(classroom) == as_student["settled"]


# ------------------------------------------------------------------------------------------------- cam


def test_cam_shows_the_first_settled_cat_with_the_models_answer_and_heatmap(classroom, student, active_model):
    assert "no picture settled as “cat”" in english("cam", classroom, student)["empty"]
    cats = add_pictures(classroom, ["dog", "cat", "cat"])[1:]
    shown = data("cam", classroom, student)
    assert shown["image"] == {"id": cats[0], "url": f"/classes/{classroom.pk}/labeling/images/{cats[0]}/file/",
                              "label": "cat"}
    assert shown["answer"] in ("cat", "dog", "unusual") and shown["chosen"] == "cat"
    assert shown["probabilities"]["cat"] + shown["probabilities"]["dog"] == pytest.approx(1.0)
    assert 0 <= shown["unusual_score"] <= 1 and 0 < shown["unusual_threshold"] < 1
    assert shown["grid"] == [7, 7] and shown["version"]["id"] == active_model.pk and shown["version"]["pretrained"]
    prefix = "data:image/png;base64,"
    assert shown["heatmap_url"].startswith(prefix)
    overlay = Image.open(io.BytesIO(base64.b64decode(shown["heatmap_url"][len(prefix):])))
    assert overlay.mode == "RGBA" and overlay.size == (41, 30)  # the picture's own aspect ratio
    faithfulness = shown["faithfulness"]  # the map's check beside it: hottest fifth hidden vs coldest fifth
    answered = shown["unusual_score"] if shown["answer"] == "unusual" else shown["probabilities"][shown["answer"]]
    assert faithfulness["class"] == shown["answer"] and faithfulness["baseline"] == pytest.approx(answered, abs=1e-4)
    assert faithfulness["faithful"] == (faithfulness["hot"]["drop"] > faithfulness["cold"]["drop"])
    assert data("cam", classroom, student) == shown  # the second time from the cache, the same


def test_cam_of_a_picture_id_must_be_in_the_class_and_waits_for_the_students_own_label(classroom, other_class,
                                                                                         student, teacher, active_model):
    (mine,) = add_pictures(classroom, [None])
    (theirs,) = add_pictures(other_class, ["cat"], start=3)
    assert "Label this picture first" in english("cam", classroom, student, image=mine)["empty"]  # answer blind
    assert data("cam", classroom, teacher, image=mine)["image"] == {
        "id": mine, "label": None, "url": f"/classes/{classroom.pk}/labeling/images/{mine}/file/"}
    services.label_image(classroom=classroom, user=student, image=selectors.pictures(classroom).get(pk=mine),
                         value="dog", strategy="random")
    assert data("cam", classroom, student, image=mine)["image"]["label"] is None  # one label of the two needed
    with pytest.raises(AppError) as refused:
        data("cam", classroom, student, image=theirs)
    assert refused.value.status == 404 and refused.value.code == "not_found"


def test_cam_of_a_picture_whose_file_is_gone_says_so(classroom, teacher, active_model):
    from classifier.models import StoredImage

    (lost,) = add_pictures(classroom, [None], start=7)
    StoredImage.objects.get(pk=lost).file.delete(save=False)
    assert "cannot be read" in english("cam", classroom, teacher, image=lost)["empty"]


def test_cam_mistake_is_a_picture_the_active_model_gets_wrong_and_never_a_gold_one(classroom, student, teacher,
                                                                                     active_model):
    gold, right, wrong = add_pictures(classroom, [None, "cat", "dog"])
    services.mark_gold(classroom=classroom, image=selectors.pictures(classroom).get(pk=gold), teacher=teacher,
                       value="cat")
    assert "not answered" in english("cam", classroom, student, image="mistake")["empty"]
    score(right, active_model, "cat")
    score(gold, active_model, "dog")  # wrong, but a gold picture: its answer is the teacher's
    assert "gets right every picture" in english("cam", classroom, student, image="mistake")["empty"]
    score(wrong, active_model, "neither")
    shown = data("cam", classroom, student, image="mistake")
    assert shown["image"]["id"] == wrong and shown["image"]["label"] == "dog" and shown["chosen"] == "mistake"
    assert widget_data.active_model_mistakes(classroom) == [(wrong, "dog", "neither")]
    assert widget_data.active_model_right_answers(classroom) == [right]


# ----------------------------------------------------------------------------------------- augmentation


def test_augmentation_offers_only_the_readers_own_photos_with_the_lessons_settings(classroom, student, teacher,
                                                                                    active_model):
    assert "analyze one" in english("augmentation", classroom, student)["empty"]
    mine = analyze_image(content=jpeg(64, 48), original_name="mi-gato.jpg", user=student, classroom=classroom)
    analyze_image(content=jpeg(50, 48), original_name="secreto.jpg", user=teacher, classroom=classroom)
    shown = data("augmentation", classroom, student, flip="false", rotation="0.2", zoom="0", count=4)
    assert [item["id"] for item in shown["analyses"]] == [mine.pk]
    assert shown["analyses"][0]["thumbnail_url"] == f"/analyses/{mine.pk}/image/"
    assert "secreto" not in str(shown) and "mi-gato" not in str(shown)
    assert shown["augment"] == {"flip": False, "rotation": 0.2, "zoom": 0.0, "translation": 0.0, "contrast": 0.0,
                                "brightness": 0.0}
    assert shown["count"] == 4 and shown["preview_url"] == "/api/v1/augmentation-previews/"
    assert shown["job_url"] == "/api/v1/jobs/0/" and shown["worker_alive"] is False


# ---------------------------------------------------------------------------------------- runs: curves, cv


def test_curves_of_the_latest_run_with_epochs_and_the_overfitting_verdict(classroom, student):
    assert "no training run" in english("curves", classroom, student)["empty"]
    add_pictures(classroom, ["cat", "dog"])
    done = make_run(classroom, history=CURVE_ROWS, dropout=0.3, results={"test": {"accuracy": 0.7}})
    make_run(classroom, status="queued")  # newer, but it has no epoch yet
    shown = data("curves", classroom, student)
    assert shown["run"] == {"id": done.pk, "status": "succeeded", "finished": True, "family": "student_cnn",
                            "augmentation": True, "dropout": 0.3, "patience": 0, "cv_folds": 0,
                            "url": f"/classes/{classroom.pk}/training/{done.pk}/"}
    assert [row["epoch"] for row in shown["history"]] == [1, 2, 3, 4, 5, 6]
    assert shown["history"][1] == {"stage": "train", "epoch": 2, "loss": 0.5, "val_loss": 0.5, "accuracy": 0.6,
                                   "val_accuracy": 0.7}
    assert shown["curves"]["best_epoch"] == 2 and shown["curves"]["kept_epoch"] == 6  # no early stopping
    assert shown["curves"]["overfitting"]["from_epoch"] == 2


def test_a_run_of_another_class_is_not_found(classroom, other_class, student):
    theirs = make_run(other_class, history=CURVE_ROWS)
    for name in ("curves", "cross-validation"):
        with pytest.raises(AppError) as refused:
            data(name, classroom, student, run=theirs.pk)
        assert refused.value.status == 404


def test_cross_validation_shows_the_folds_or_says_why_there_are_none(classroom, student):
    assert "no finished training run" in english("cross-validation", classroom, student)["empty"]
    cv = {"folds": 3, "accuracy_per_fold": [0.9, 0.8, 1.0], "accuracy_mean": 0.9, "accuracy_std": 0.0816,
          "method": "student_cnn", "epochs_per_fold": [4, 5, 3]}
    with_cv = make_run(classroom, cv_folds=3, results={"test": {"accuracy": 0.9}, "cross_validation": cv})
    without = make_run(classroom, cv_folds=0, results={"test": {"accuracy": 0.8}, "cross_validation": None})
    skipped = make_run(classroom, cv_folds=5, results={"test": {"accuracy": 0.8}, "cross_validation": None})
    running = make_run(classroom, status="running")
    latest = english("cross-validation", classroom, student)["empty"]  # the newest finished run: `skipped`
    assert f"#{skipped.pk} asked for 5 folds" in latest and "fewer labelled pictures than folds" in latest
    assert "without cross-validation" in english("cross-validation", classroom, student, run=without.pk)["empty"]
    assert "has not finished" in english("cross-validation", classroom, student, run=running.pk)["empty"]
    shown = data("cross-validation", classroom, student, run=with_cv.pk)
    assert shown["accuracy_per_fold"] == [0.9, 0.8, 1.0] and shown["folds"] == 3 and shown["method"] == "student_cnn"
    assert shown["accuracy_mean"] == 0.9 and shown["accuracy_std"] == 0.0816 and shown["run"]["id"] == with_cv.pk


# -------------------------------------------------------------------------------------------- confusion


def test_confusion_of_the_pretrained_model_on_every_settled_picture(classroom, student, teacher, active_model):
    assert "no settled pictures" in english("confusion", classroom, student)["empty"]
    cat, dog, neither, gold, unscored = add_pictures(classroom, ["cat", "dog", "neither", None, "dog"])
    add_pictures(classroom, [None], start=20)  # not settled: not counted
    services.mark_gold(classroom=classroom, image=selectors.pictures(classroom).get(pk=gold), teacher=teacher,
                       value="cat")
    for image_id, answer in ((cat, "cat"), (dog, "neither"), (neither, "neither"), (gold, "dog")):
        score(image_id, active_model, answer)
    shown = data("confusion", classroom, student, mistakes=8)
    assert shown["pretrained"] and shown["rows"] == ["cat", "dog", "neither"]
    assert shown["columns"] == ["cat", "dog", "neither"]
    assert shown["matrix"] == [[1, 1, 0], [0, 0, 1], [0, 0, 1]]  # the gold picture counts, as cat
    assert (shown["count"], shown["correct"], shown["wrong"], shown["not_scored"]) == (4, 2, 2, 1)
    assert shown["accuracy"] == 0.5 and widget_data.active_model_test_accuracy(classroom) == (0.5, 4)
    assert [item["id"] for item in shown["mistakes"]] == [dog]  # which picture is gold stays the teacher's
    assert shown["mistakes"][0] == {"id": dog, "truth": "dog", "answer": "neither",
                                    "url": f"/classes/{classroom.pk}/labeling/images/{dog}/file/"}
    assert [item["id"] for item in data("confusion", classroom, teacher)["mistakes"]] == [dog, gold]
    assert data("confusion", classroom, teacher, mistakes=1)["mistakes"][0]["id"] == dog
    assert Job.objects.filter(kind=Job.Kind.SCORING, classroom=classroom).count() == 1  # the unscored one


def test_confusion_of_a_trained_version_uses_its_runs_test_split(classroom, student):
    ids = add_pictures(classroom, ["cat"] * 20 + ["dog"] * 20)
    run = make_run(classroom, history=CURVE_ROWS, results={"test": {"accuracy": 1.0}})
    version = make_version(classroom, run=run)
    classroom.active_version = version
    classroom.save(update_fields=["active_version"])
    assert "not answered" in english("confusion", classroom, student)["empty"]
    for image_id in ids:
        score(image_id, version, "cat")  # it says cat to everything
    shown = data("confusion", classroom, student)
    _digest, test_size = selectors._test_set(run)
    assert shown["count"] == test_size == 6 and shown["rows"] == ["cat", "dog"] and not shown["pretrained"]
    assert shown["matrix"] == [[3, 0, 0], [3, 0, 0]] and shown["accuracy"] == 0.5
    assert widget_data.active_model_test_accuracy(classroom) == (0.5, 6)
    assert {truth for _pk, truth, _answer in widget_data.active_model_mistakes(classroom)} == {"dog"}


# -------------------------------------------------------------------------------------------- artifacts


def test_artifacts_of_a_trained_version_and_none_for_the_pretrained_model(classroom, other_class, student,
                                                                           active_model):
    assert "no measured variants" in english("artifacts", classroom, student)["empty"]
    assert "no measured variants" in english("artifacts", classroom, student, version=active_model.pk)["empty"]
    rows = [{"kind": "onnx", "artifact": "ONNX", "format": "onnx", "precision": "fp32", "file": "classifier.onnx",
             "size_bytes": 4_000_000, "latency_p50_ms": 2.5, "accuracy": 0.95, "compressed_size_bytes": 3_700_000},
            {"kind": "onnx_pruned", "artifact": "ONNX pruned 80%", "format": "onnx", "precision": "fp32 pruned",
             "file": "model_pruned.onnx", "size_bytes": 4_000_000, "latency_p50_ms": 2.6, "accuracy": 0.93,
             "compressed_size_bytes": 1_200_000, "sparsity": 0.8}]
    version = make_version(classroom, metrics={
        "artifacts": rows, "test": {"count": 30},
        "pruning": {"target_sparsity": 0.8, "measured_sparsity": 0.79, "epochs": 2, "history": {"loss": [1.0]}}})
    shown = data("artifacts", classroom, student, version=version.pk)
    assert [row["kind"] for row in shown["rows"]] == ["onnx", "onnx_pruned"] and "file" not in shown["rows"][0]
    assert shown["rows"][1]["sparsity"] == 0.8 and shown["test_count"] == 30
    assert shown["pruning"] == {"target_sparsity": 0.8, "measured_sparsity": 0.79, "epochs": 2}
    classroom.active_version = version
    classroom.save(update_fields=["active_version"])
    assert data("artifacts", classroom, student)["version"]["id"] == version.pk
    theirs = make_version(other_class, metrics={"artifacts": rows})
    with pytest.raises(AppError) as refused:
        data("artifacts", classroom, student, version=theirs.pk)
    assert refused.value.status == 404


# --------------------------------------------------------------------------------------- learning-curve


def test_learning_curve_is_the_latest_finished_simulation_with_its_comparison(classroom, other_class, student):
    assert "no learning-curve simulation" in english("learning-curve", classroom, student)["empty"]
    result = {"sizes": [20, 100], "test_size": 30, "pool_size": 70, "seeds": 5, "measure": "least_confidence",
              "strategies": {"random": {"mean": [0.9, 0.95], "std": [0.01, 0.0]},
                             "uncertainty": {"mean": [0.9, 0.97], "std": [0.01, 0.0]}},
              "labels_needed": {"at": 100, "random_accuracy_at": 0.95, "uncertainty_labels": 60, "ratio": 0.6}}
    Job.objects.create(kind=Job.Kind.LEARNING_CURVE, classroom=other_class, status="succeeded", result=result,
                       finished_at=timezone.now())
    running = Job.objects.create(kind=Job.Kind.LEARNING_CURVE, classroom=classroom, status="running")
    assert "is simulating" in english("learning-curve", classroom, student)["empty"]
    job = Job.objects.create(kind=Job.Kind.LEARNING_CURVE, classroom=classroom, status="succeeded", result=result,
                             finished_at=timezone.now())
    shown = data("learning-curve", classroom, student)
    assert shown["id"] == job.pk != running.pk and shown["sizes"] == [20, 100] and shown["test_size"] == 30
    assert shown["comparison"]["apart"] == [False, True] and shown["labels_needed"]["uncertainty_labels"] == 60
    assert shown["page_url"] == f"/classes/{classroom.pk}/labeling/learning-curve/"


# ------------------------------------------------------------------------------------------- through the API


def test_the_widget_api_answers_a_member_and_hides_the_class_from_others(classroom, other_class, student, api):
    from rest_framework.test import APIClient

    add_pictures(classroom, ["cat"])
    url = f"/api/v1/classes/{classroom.pk}/widgets/labeling-progress/"
    assert api.get(url).json()["settled"] == 1
    outsider = APIClient()
    outsider.force_authenticate(other_class.created_by)
    assert outsider.get(url).status_code == 404
    theirs = make_run(other_class, history=CURVE_ROWS)
    refused = api.get(f"/api/v1/classes/{classroom.pk}/widgets/curves/?run={theirs.pk}")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"


# ------------------------------------------------------------------------------------------- in the browser


@pytest.mark.browser
def test_every_widget_draws_in_a_lesson_in_spanish_and_english(live_server, transactional_db, active_model, classroom,
                                                                student, teacher, artifacts_dir, browser_page):
    import skimage.data

    from lessons.models import Lesson
    from tests.conftest import session_for

    chelsea = io.BytesIO()
    Image.fromarray(skimage.data.chelsea()).save(chelsea, format="JPEG", quality=90)
    cat = services.import_image(classroom=classroom, content=chelsea.getvalue(), name="chelsea.jpg", value="cat").image.pk
    dog, _neither = add_pictures(classroom, ["dog", "neither"])
    score(cat, active_model, "cat")
    score(dog, active_model, "neither")
    analyze_image(content=jpeg(64, 48), original_name="mine.jpg", user=student, classroom=classroom)
    cv = {"folds": 3, "accuracy_per_fold": [0.9, 0.8, 1.0], "accuracy_mean": 0.9, "accuracy_std": 0.0816,
          "method": "student_cnn"}
    run = make_run(classroom, history=CURVE_ROWS, results={"test": {"accuracy": 0.7}, "cross_validation": cv}, cv_folds=3)
    probes = [{"sha256": item["sha256"], "split": split, "label": item["label"]}
              for item, split in zip(run.dataset, ("train", "validation"))]
    TimeMachine.objects.create(run=run, probes=probes, epochs=[  # as training/pipeline/probes.py records it
        {"epoch": row["epoch"], "stage": row["stage"], "answers": [
            {"label": "cat", "probabilities": {"cat": 0.6, "dog": 0.4}, "cam": [[0.0, 1.0], [0.5, 0.0]],
             "strongest": 0.2} for _probe in probes]} for row in CURVE_ROWS])
    version = make_version(classroom, metrics={"test": {"count": 30}, "artifacts": [
        {"kind": "onnx", "artifact": "ONNX", "size_bytes": 4_000_000, "latency_p50_ms": 2.5, "accuracy": 0.95},
        {"kind": "onnx_int8", "artifact": "ONNX INT8", "size_bytes": 1_100_000, "latency_p50_ms": 1.9, "accuracy": 0.9}]})
    Job.objects.create(kind=Job.Kind.LEARNING_CURVE, classroom=classroom, status="succeeded", finished_at=timezone.now(),
                       result={"sizes": [20, 50], "test_size": 30, "seeds": 5, "labels_needed": {"at": 50},
                               "strategies": {"random": {"mean": [0.9, 0.95], "std": [0.01, 0.01]},
                                              "uncertainty": {"mean": [0.92, 0.96], "std": [0.01, 0.01]}}})
    names = [name for name in widgets.REGISTRY if name != "artifacts"]
    body = "\n\n".join(f"::: widget {name}\n:::" for name in names) + f"\n\n::: widget artifacts\nversion: {version.pk}\n:::\n"
    Lesson.objects.create(slug="widgets", topic="intro", title_es="Widgets", title_en="Widgets", body_es=body,
                          body_en=body, builtin=True, status="published")
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(student), "url": live_server.url}])
    for language in ("es", "en"):
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/lessons/widgets/")
        for name in widgets.REGISTRY:
            page.wait_for_selector(f"[data-widget={name}] .widget-body[data-ready=true]", timeout=15_000)
            assert page.get_attribute(f"[data-widget={name}] .widget-body", "data-state") == "ready", name
        charts = page.evaluate("[...document.querySelectorAll('.lesson-widget canvas')].filter(c => Chart.getChart(c)).length")
        # curves (2), time machine (2), folds, categories, artifacts (2), learning curve, a layer's channel means
        assert charts == 10
        assert page.locator("[data-widget=confusion] [data-mistake]").count() == 1
        assert page.locator("[data-widget=cam] .widget-heatmap").count() == 1
        assert page.get_attribute("[data-widget=cam] [data-answer]", "data-answer") == "cat"
        page.set_input_files("[data-widget=analyze] input[type=file]", files=[
            {"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": chelsea.getvalue()}])
        page.wait_for_selector("[data-widget=analyze] .widget-body[data-state=answered]", timeout=15_000)
        assert page.locator("[data-widget=analyze] .widget-heatmap").count() == 1
        page.wait_for_selector("[data-widget=analyze] [data-faithful]")  # the heatmap's check beside it
        assert page.locator("[data-widget=analyze] a[href^='/inside/?analysis=']").count() == 1
        page.click("[data-widget=augmentation] .btn-primary")
        page.wait_for_selector("[data-widget=augmentation] .spinner-border")
        page.screenshot(path=str(artifacts_dir / f"lesson-widgets-{language}.png"), full_page=True)
    assert "Exactitud" not in page.locator("[data-widget=confusion]").inner_text()  # the English page is English
