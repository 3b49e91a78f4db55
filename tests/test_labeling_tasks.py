"""The learning-curve simulation as the worker runs it: real photos, real embeddings, stored result."""
import pytest

from eduai.errors import AppError
from labeling import services
from labeling.models import ImageScore, LearningCurve
from labeling.tasks import simulate_learning_curve
from tests.test_training_api import worker  # noqa: F401 - fixture

SMALL = {"sizes": [4, 8], "seeds": 2, "test_fraction": 0.3, "initial": 4, "measure": "margin",
         "batch_fraction": 0.1, "min_batch": 2}


@pytest.fixture
def settled_photos(db, cat_photos, dog_photos):
    """Ten cats and ten dogs with dataset labels (settled, so they are training data)."""
    for path, value in [(p, "cat") for p in cat_photos] + [(p, "dog") for p in dog_photos]:
        services.import_image(content=path.read_bytes(), name=path.name, value=value)


def test_the_worker_simulates_random_and_uncertainty_sampling_on_settled_images(settled_photos, active_model, make_user):
    curve = LearningCurve.objects.create(params=SMALL, created_by=make_user("tere", "teacher"))
    assert simulate_learning_curve(curve.pk) == "done"
    curve.refresh_from_db()
    result = curve.result
    assert curve.status == "done" and curve.finished_at is not None and curve.error == ""
    assert result["sizes"] == [4, 8] and result["seeds"] == 2 and result["measure"] == "margin"
    assert result["pool_size"] + result["test_size"] == 20
    for strategy in ("random", "uncertainty"):
        assert len(result["strategies"][strategy]["mean"]) == 2
        assert all(0.0 <= accuracy <= 1.0 for accuracy in result["strategies"][strategy]["mean"])
    # Lite0 embeddings separate real cats from dogs: 8 labels already give a good classifier
    assert result["strategies"]["random"]["mean"][-1] >= 0.8
    assert result["labels_needed"]["random_accuracy_at"] == result["strategies"]["random"]["mean"][-1]
    # the embeddings are cached under the pretrained model's version, for the next simulation
    assert ImageScore.objects.filter(model_version=active_model).count() == 20


def test_a_failed_simulation_is_reported_on_the_curve(settled_photos, active_model):
    curve = LearningCurve.objects.create(params={**SMALL, "sizes": [500]})  # far more labels than images
    assert simulate_learning_curve(curve.pk) == "failed"
    curve.refresh_from_db()
    assert curve.status == "failed" and "ValueError" in curve.error and curve.finished_at is not None


def test_a_curve_delivered_twice_is_simulated_once(settled_photos, active_model):
    curve = LearningCurve.objects.create(params=SMALL, status=LearningCurve.Status.DONE, result={"kept": True})
    assert simulate_learning_curve(curve.pk) == "done"
    curve.refresh_from_db()
    assert curve.result == {"kept": True}


def test_starting_a_simulation_needs_enough_settled_cats_and_dogs(settled_photos, make_user):
    with pytest.raises(AppError) as refused:
        services.start_learning_curve(user=make_user("tere", "teacher"))
    assert refused.value.code == "too_few_labels" and "10" in refused.value.detail
    assert not LearningCurve.objects.exists()


def test_only_one_simulation_runs_at_a_time(db, make_user):
    from collections import Counter

    from tests.images import jpeg

    for i in range(services.MIN_CURVE_IMAGES):
        services.import_image(content=jpeg(40 + i, 30), name=f"{i}.jpg", value="cat" if i % 2 else "dog")
    teacher = make_user("tere", "teacher")
    first = services.start_learning_curve(user=teacher)
    assert first.status == "queued" and first.params["sizes"][0] == 20
    with pytest.raises(AppError) as refused:
        services.start_learning_curve(user=teacher)
    assert refused.value.code == "curve_running"
    assert Counter(LearningCurve.objects.values_list("status", flat=True)) == {"queued": 1}


def test_a_teacher_starts_a_simulation_and_a_real_worker_runs_it(worker, datasets_dir, make_user):
    """End to end: the API queues the curve on commit, the Celery worker process embeds and simulates."""
    import time

    from django.conf import settings

    from ml_models import pretrained
    from ml_models.services import register_version
    from tests.test_training_api import client_for

    register_version(folder=pretrained.artifact_dir(settings.MODELS_DIR))
    half = services.MIN_CURVE_IMAGES // 2
    for value in ("cat", "dog"):
        for path in sorted((datasets_dir / "catsdogs" / value).glob("*.jpg"))[:half]:
            services.import_image(content=path.read_bytes(), name=path.name, value=value)
    teacher = client_for(make_user("tere", "teacher"))
    started = teacher.post("/api/v1/labeling/learning-curves/")
    assert started.status_code == 202, started.content
    deadline = time.monotonic() + 120
    while (curve := teacher.get(f"/api/v1/labeling/learning-curves/{started.json()['id']}/").json())["status"] in (
            "queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert curve["status"] == "done", curve
    assert curve["result"]["pool_size"] + curve["result"]["test_size"] == services.MIN_CURVE_IMAGES
    assert curve["result"]["labels_needed"]["at"] == curve["result"]["sizes"][-1]
