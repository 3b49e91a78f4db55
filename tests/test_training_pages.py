"""Training and models pages, and the Django admin's start-run and activate actions."""
import shutil

import pytest

from ml_models import pretrained
from ml_models.models import ModelVersion
from tests.test_training_api import TINY, labelled, people  # noqa: F401 - fixtures
from training.models import TrainingRun
from training.services import build_config, execute_run, start_run

FORM = {"preset": "student-cnn", "epochs": "3", "cv_folds": "0", "prune_sparsity": "0", "quantize": "", "augment": "on"}


@pytest.fixture
def finished_run(people, labelled, settings, tmp_path, model_folder):
    settings.MODELS_DIR = tmp_path / "models"
    shutil.copytree(model_folder, pretrained.artifact_dir(settings.MODELS_DIR))  # so rollback can load it
    run = start_run(config=build_config(config=TINY), user=people["teacher"], enqueue=False)
    return execute_run(run.pk)


def test_students_see_runs_but_no_start_form(client, people, db):
    client.force_login(people["student"])
    html = client.get("/training/").content.decode()
    assert "Ejecuciones de entrenamiento" in html and "Empezar entrenamiento" not in html
    response = client.post("/training/", FORM, follow=True)
    assert "Solo el profesorado" in response.content.decode() and not TrainingRun.objects.exists()


def test_teacher_starts_a_run_from_the_page(client, people, labelled, django_capture_on_commit_callbacks):
    client.force_login(people["teacher"])
    assert "Empezar entrenamiento" in client.get("/training/").content.decode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/training/", FORM)
    run = TrainingRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/training/{run.pk}/"
    assert len(queued) == 1 and run.config["epochs"] == 3 and run.config["family"] == "student_cnn"
    assert run.config["quantize"] is False and run.config["augment"]["flip"] is True


def test_invalid_form_explains_and_starts_nothing(client, people, labelled):
    client.force_login(people["teacher"])
    html = client.post("/training/", {**FORM, "epochs": "0"}).content.decode()
    assert "is-invalid" in html and not TrainingRun.objects.exists()


def test_run_page_and_cancel(client, people, labelled, django_capture_on_commit_callbacks):
    client.force_login(people["teacher"])
    with django_capture_on_commit_callbacks(execute=False):
        run = start_run(config=build_config(config=TINY), user=people["teacher"])
    html = client.get(f"/training/{run.pk}/").content.decode()
    assert "Curvas de aprendizaje" in html and 'id="cancel-form"' in html and "chart.umd.min.js" in html
    client.post(f"/training/{run.pk}/cancel/")
    assert TrainingRun.objects.get(pk=run.pk).status == "cancelled"


def test_only_admins_activate_from_the_models_page(client, people, active_model, finished_run):
    trained = finished_run.model_version
    client.force_login(people["student"])
    html = client.get("/models/").content.decode()
    assert "student-cnn v1" in html and "Activar" not in html
    client.post(f"/models/{trained.pk}/activate/")
    assert not ModelVersion.objects.get(pk=trained.pk).is_active
    client.force_login(people["admin"])
    assert "Activar" in client.get("/models/").content.decode()
    response = client.post(f"/models/{trained.pk}/activate/", follow=True)
    assert "ahora está activa" in response.content.decode()
    assert ModelVersion.objects.get(pk=trained.pk).is_active
    client.post("/models/rollback/")
    assert ModelVersion.objects.get(pk=active_model.pk).is_active


def test_admin_starts_runs_and_activates_versions(client, people, active_model, finished_run):
    client.force_login(people["admin"])
    people["admin"].is_staff = people["admin"].is_superuser = True  # as the demo admin account
    people["admin"].save()
    page = client.get("/admin/training/trainingrun/add/")
    assert page.status_code == 200 and "preset" in page.content.decode()
    response = client.post("/admin/training/trainingrun/add/", FORM)
    assert response.status_code == 302 and TrainingRun.objects.count() == 2
    response = client.post("/admin/ml_models/modelversion/", {"action": "activate", "index": "0",
                                                               "_selected_action": [finished_run.model_version.pk]}, follow=True)
    assert "ahora está activa" in response.content.decode(), response.content.decode()[-3000:]
    assert ModelVersion.objects.get(is_active=True) == finished_run.model_version
