"""Learning-curve simulations of a class are jobs: started by its teacher, run by the worker on the
class's settled pictures (real photos, real embeddings), the curve stored as the job's result."""
from collections import Counter

import pytest

from eduai import classes, jobs
from eduai.errors import AppError
from eduai.models import Job
from eduai.tasks import run_job
from labeling import services
from labeling.models import ImageScore
from tests.images import jpeg
from tests.test_training_api import client_for, worker  # noqa: F401 - fixture

SMALL = {"sizes": [4, 8], "seeds": 2, "test_fraction": 0.3, "initial": 4, "measure": "margin",
         "batch_fraction": 0.1, "min_batch": 2}


def settle(classroom, paths_and_values) -> None:
    """Put each photo into the class with its dataset folder's label (settled: training data)."""
    for path, value in paths_and_values:
        services.import_image(classroom=classroom, content=path.read_bytes(), name=path.name, value=value)


@pytest.fixture
def settled_photos(classroom, cat_photos, dog_photos):
    """Ten cats and ten dogs of the class, with dataset labels."""
    settle(classroom, [(p, "cat") for p in cat_photos] + [(p, "dog") for p in dog_photos])


@pytest.fixture
def other_class(make_user):
    return classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))


def enough_labels(classroom) -> None:
    """MIN_CURVE_IMAGES settled made-up pictures, half cats and half dogs (enough to start, not to embed)."""
    for i in range(services.MIN_CURVE_IMAGES):
        services.import_image(classroom=classroom, content=jpeg(40 + i, 30), name=f"{i}.jpg",
                              value="cat" if i % 2 else "dog")


def queued_curve(classroom, owner, **params) -> Job:
    return jobs.start_job(kind=Job.Kind.LEARNING_CURVE, classroom=classroom, owner=owner,
                          params={**SMALL, **params}, enqueue=False)


def test_the_worker_simulates_random_and_uncertainty_sampling_on_the_classs_settled_images(
        classroom, settled_photos, active_model, teacher):
    job = queued_curve(classroom, teacher)
    assert run_job(job.pk) == "succeeded"  # the worker's task, run here
    job.refresh_from_db()
    result = job.result
    assert job.finished_at is not None and job.error == "" and job.progress == 1.0
    assert result["sizes"] == [4, 8] and result["seeds"] == 2 and result["measure"] == "margin"
    assert result["pool_size"] + result["test_size"] == 20
    for strategy in ("random", "uncertainty"):
        assert len(result["strategies"][strategy]["mean"]) == 2
        assert all(0.0 <= accuracy <= 1.0 for accuracy in result["strategies"][strategy]["mean"])
    # Lite0 embeddings separate real cats from dogs: 8 labels already give a good classifier
    assert result["strategies"]["random"]["mean"][-1] >= 0.8
    assert result["labels_needed"]["random_accuracy_at"] == result["strategies"]["random"]["mean"][-1]
    assert result["step"]["stage"] == "simulate" and result["step"]["done"] == result["step"]["total"] > 0
    # the embeddings are cached under the pretrained model's version, for the next simulation
    assert ImageScore.objects.filter(model_version=active_model).count() == 20


def test_the_simulation_uses_only_its_own_classs_settled_pictures(classroom, settled_photos, other_class,
                                                                 cat_photos, other_photos, active_model, teacher):
    settle(other_class, [(p, "dog") for p in cat_photos[:5]])  # the same photos, labelled otherwise there...
    settle(other_class, [(p, "cat") for p in other_photos[:5]])  # ...and pictures this class does not have
    job = queued_curve(classroom, teacher)
    assert run_job(job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.result["pool_size"] + job.result["test_size"] == 20


def test_a_failed_simulation_is_reported_on_its_job_and_the_api_shows_why(classroom, settled_photos, active_model,
                                                                           teacher):
    job = queued_curve(classroom, teacher, sizes=[500])  # far more labels than images
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "ValueError" in job.error and job.finished_at is not None
    shown = client_for(teacher).get(f"/api/v1/classes/{classroom.pk}/labeling/learning-curves/{job.pk}/").json()
    assert shown["status"] == "failed" and "ValueError" in shown["error"]
    assert "traceback" not in shown["result"]  # kept for the admin, not shown to the class


@pytest.mark.parametrize("status, result", [("succeeded", {"kept": True}), ("cancelled", {})])
def test_a_curve_delivered_again_after_it_ended_is_not_simulated_again(classroom, teacher, status, result):
    job = queued_curve(classroom, teacher)
    Job.objects.filter(pk=job.pk).update(status=status, result=result)
    assert run_job(job.pk) == status
    job.refresh_from_db()
    assert (job.status, job.result, job.started_at) == (status, result, None)


def test_starting_a_simulation_needs_enough_settled_cats_and_dogs_in_the_class(classroom, settled_photos,
                                                                               other_class, teacher):
    enough_labels(other_class)  # another class's labels do not count
    with pytest.raises(AppError) as refused:
        services.start_learning_curve(classroom=classroom, user=teacher)
    assert refused.value.code == "too_few_labels" and refused.value.status == 409
    assert "10" in refused.value.detail
    assert not Job.objects.filter(classroom=classroom).exists()


def test_only_one_simulation_runs_at_a_time_in_a_class(classroom, other_class, teacher):
    enough_labels(classroom)
    enough_labels(other_class)
    first = services.start_learning_curve(classroom=classroom, user=teacher)
    assert (first.status, first.kind, first.classroom, first.owner) == ("queued", "learning_curve", classroom, teacher)
    assert first.params["sizes"][0] == 20
    with pytest.raises(AppError) as refused:
        services.start_learning_curve(classroom=classroom, user=teacher)
    assert (refused.value.code, refused.value.status) == ("curve_running", 409)
    assert Counter(Job.objects.filter(classroom=classroom).values_list("status", flat=True)) == {"queued": 1}

    assert services.start_learning_curve(classroom=other_class, user=other_class.created_by).status == "queued"
    jobs.cancel(first)  # once it has ended, the class may start another
    assert services.start_learning_curve(classroom=classroom, user=teacher).status == "queued"


def test_a_teacher_starts_a_simulation_and_a_real_worker_runs_it(worker, classroom, teacher, student,  # noqa: F811
                                                                 datasets_dir, settings):
    """End to end: the API queues the job on commit, the Celery worker process embeds and simulates."""
    import time

    from ml_models.networks import pretrained
    from ml_models.services import register_version

    register_version(folder=pretrained.artifact_dir(settings.MODELS_DIR))
    half = services.MIN_CURVE_IMAGES // 2
    for value in ("cat", "dog"):
        settle(classroom, [(path, value) for path in sorted((datasets_dir / "catsdogs" / value).glob("*.jpg"))[:half]])
    curves = f"/api/v1/classes/{classroom.pk}/labeling/learning-curves/"
    tere = client_for(teacher)
    started = tere.post(curves)
    assert started.status_code == 202, started.content
    again = tere.post(curves)
    assert again.status_code == 409 and again.json()["code"] == "curve_running"

    ana = client_for(student)  # the class follows the simulation too
    deadline = time.monotonic() + 180
    while (curve := ana.get(f"{curves}{started.json()['id']}/").json())["status"] in (
            "queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert curve["status"] == "succeeded", curve
    assert curve["progress"] == 1.0 and curve["error"] == ""
    assert curve["result"]["pool_size"] + curve["result"]["test_size"] == services.MIN_CURVE_IMAGES
    assert curve["result"]["labels_needed"]["at"] == curve["result"]["sizes"][-1]
    job = ana.get(f"/api/v1/jobs/{started.json()['id']}/").json()
    assert job["status"] == "succeeded" and job["kind"] == "learning_curve"
    assert [item["id"] for item in ana.get(curves).json()["results"]] == [started.json()["id"]]
