"""Training and models pages of a class, and the Django admin's start-run, activate and delete rules."""
import json
import re
import shutil

import pytest
from django.conf import settings as django_settings
from django.test import Client

from eduai.models import Job
from ml_models import runtime
from ml_models.models import ModelVersion
from ml_models.networks import pretrained
from ml_models.selectors import serving_version
from tests.test_training_api import TINY, labelled, other_class, people  # noqa: F401 - fixtures
from training.models import TrainingRun
from training.services import build_config, execute_run, start_run

FORM = {"preset": "student-cnn", "epochs": "3", "cv_folds": "0", "prune_sparsity": "0", "quantize": "", "augment": "on"}
FINISHED = {**TINY, "cv_folds": 2}  # cross-validated, so the run page has a method to name


@pytest.fixture
def finished_run(active_model, people, classroom, labelled, settings, tmp_path, model_folder):  # noqa: F811
    """A run of `classroom` trained here (TensorFlow in this process), with the pretrained version
    answering for the class when it started."""
    settings.MODELS_DIR = tmp_path / "models"
    shutil.copytree(model_folder, pretrained.artifact_dir(settings.MODELS_DIR))  # so rollback can load it
    runtime.clear()
    run = start_run(classroom=classroom, config=build_config(config=FINISHED), user=people["teacher"], enqueue=False)
    run = execute_run(run)
    assert run.job.status == "succeeded", run.log
    yield run
    runtime.clear()


def runs_page(classroom) -> str:
    return f"/classes/{classroom.pk}/training/"


def page_strings(html: str) -> dict:
    """The strings a page hands its script (json_script "i18n-strings")."""
    found = re.search(r'<script id="i18n-strings" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert found, "the page has no i18n-strings"
    return json.loads(found.group(1))


def in_english(client: Client) -> Client:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_training_link_opens_the_current_class(client, people, classroom):
    client.force_login(people["student"])
    response = client.get("/training/")
    assert response.status_code == 302 and response["Location"] == runs_page(classroom)


def test_students_see_the_runs_but_no_start_form(client, people, classroom):
    client.force_login(people["student"])
    html = client.get(runs_page(classroom)).content.decode()
    assert f"Ejecuciones de entrenamiento de {classroom.name}" in html
    assert "Empezar entrenamiento" not in html and 'method="post" class="card-body"' not in html
    response = client.post(runs_page(classroom), FORM, follow=True)
    assert "Solo el profesorado de la clase puede empezar ejecuciones de entrenamiento." in response.content.decode()
    assert not TrainingRun.objects.exists()


def test_someone_outside_the_class_gets_a_404_on_its_pages(client, people, classroom, labelled,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = start_run(classroom=classroom, config=build_config(config=TINY), user=people["teacher"])
    client.force_login(people["outsider"])
    for path in (runs_page(classroom), f"{runs_page(classroom)}{run.pk}/", f"/classes/{classroom.pk}/models/"):
        assert client.get(path).status_code == 404, path
    assert client.post(runs_page(classroom), FORM).status_code == 404
    assert client.post(f"{runs_page(classroom)}{run.pk}/cancel/").status_code == 404
    assert TrainingRun.objects.count() == 1 and Job.objects.get().status == "queued"


def test_teacher_starts_a_run_of_the_class_from_the_page(client, people, classroom, labelled,
                                                        django_capture_on_commit_callbacks):
    client.force_login(people["teacher"])
    assert "Empezar entrenamiento" in client.get(runs_page(classroom)).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(runs_page(classroom), FORM)
    run = TrainingRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{runs_page(classroom)}{run.pk}/"
    assert len(queued) == 1 and run.classroom == classroom and run.job.status == "queued"
    assert run.job.owner == people["teacher"] and run.job.classroom == classroom
    assert run.config["epochs"] == 3 and run.config["family"] == "student_cnn"
    assert run.config["quantize"] is False and run.config["augment"]["flip"] is True
    assert len(run.dataset) == 60


def test_invalid_form_explains_and_starts_nothing(client, people, classroom, labelled):
    client.force_login(people["teacher"])
    html = client.post(runs_page(classroom), {**FORM, "epochs": "0"}).content.decode()
    assert "is-invalid" in html and not TrainingRun.objects.exists()


def test_a_class_without_enough_labels_is_told_so_on_the_page(client, people, classroom):
    client.force_login(people["teacher"])
    html = client.post(runs_page(classroom), FORM).content.decode()
    assert "Cada categoría necesita al menos 5 imágenes etiquetadas" in html and not TrainingRun.objects.exists()


def test_run_page_and_cancel(client, people, classroom, labelled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = start_run(classroom=classroom, config=build_config(config=TINY), user=people["teacher"])
    student = Client()
    student.force_login(people["student"])
    html = student.get(f"{runs_page(classroom)}{run.pk}/").content.decode()
    assert "Curvas de aprendizaje" in html and 'id="cancel-form"' not in html  # students watch, teachers cancel
    assert student.post(f"{runs_page(classroom)}{run.pk}/cancel/").status_code == 403
    assert TrainingRun.objects.get(pk=run.pk).job.status == "queued"

    client.force_login(people["teacher"])
    html = client.get(f"{runs_page(classroom)}{run.pk}/").content.decode()
    assert "Curvas de aprendizaje" in html and 'id="cancel-form"' in html and "chart.umd.min.js" in html
    assert f'data-api-url="/api/v1/classes/{classroom.pk}/training-runs/{run.pk}/"' in html
    response = client.post(f"{runs_page(classroom)}{run.pk}/cancel/", follow=True)
    assert "Cancelación solicitada." in response.content.decode()
    assert TrainingRun.objects.get(pk=run.pk).job.status == "cancelled"


@pytest.mark.tensorflow
def test_the_run_page_names_classes_files_method_and_stages_in_the_page_language(client, people, classroom,
                                                                                 finished_run):
    url = f"{runs_page(classroom)}{finished_run.pk}/"
    api_url = f"/api/v1/classes/{classroom.pk}/training-runs/{finished_run.pk}/"
    results = finished_run.results
    kinds = [row["kind"] for row in results["artifacts"]]
    assert kinds == ["keras", "onnx", "onnx_served", "onnx_served_int8"]  # no quantization asked: the browser's INT8 only
    assert results["cross_validation"]["method"] == "student_cnn"
    assert set(results["curves"]) >= {"best_epoch", "kept_epoch", "overfitting"}
    assert list(results["test"]["per_class"]) == ["cat", "dog"]

    client.force_login(people["student"])
    strings = page_strings(client.get(url).content.decode())
    assert {name: strings["classes"][name] for name in results["test"]["per_class"]} == {"cat": "gato", "dog": "perro"}
    assert [strings["artifacts"][kind] for kind in kinds[:3]] == [
        "Keras (coma flotante)", "ONNX (coma flotante)",
        "ONNX en servicio (coma flotante, con las salidas de ImageNet para los descriptores)"]
    # the script asks the API in the page's language (lib/api.js sends Accept-Language = <html lang>)
    spanish = client.get(api_url, HTTP_ACCEPT_LANGUAGE="es").json()
    assert (spanish["status_display"], spanish["stage_display"]) == ("completado", "terminado")

    english = in_english(Client())
    english.force_login(people["student"])
    strings = page_strings(english.get(url).content.decode())
    assert {name: strings["classes"][name] for name in results["test"]["per_class"]} == {"cat": "cat", "dog": "dog"}
    assert strings["cv"][results["cross_validation"]["method"]] == (
        "What was cross-validated: the small CNN itself, trained from scratch on each fold with the run's settings "
        "(dropout, L2, augmentation, epochs and early stopping).")
    assert "not the fine-tuned model" in strings["cv"]["linear_probe"]
    # runs stored before the methods were renamed still have a description
    assert {"head_on_embeddings", "student_from_scratch"} <= set(strings["cv"])
    assert strings["artifacts"]["onnx_served"] == "ONNX served (float, with the ImageNet outputs for tags)"
    assert strings["artifacts"]["onnx_served_int8"] == "ONNX served INT8 (for the browser, with the ImageNet outputs for tags)"
    body = english.get(api_url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert (body["status_display"], body["stage_display"]) == ("succeeded", "done")


def test_every_stage_of_a_run_has_a_spanish_name(client, people, classroom, labelled,
                                                 django_capture_on_commit_callbacks):
    from training.pipeline.run import STAGES

    with django_capture_on_commit_callbacks(execute=False):
        run = start_run(classroom=classroom, config=build_config(config=TINY), user=people["teacher"])
    client.force_login(people["student"])
    shown = {}
    for stage in (*STAGES, "register", "done"):
        Job.objects.filter(pk=run.job_id).update(status="running", stage=stage)
        shown[stage] = client.get(f"/api/v1/classes/{classroom.pk}/training-runs/{run.pk}/",
                                  HTTP_ACCEPT_LANGUAGE="es").json()["stage_display"]
    assert shown == {"data": "cargando las imágenes", "cross_validation": "validación cruzada",
                     "fit": "entrenamiento", "evaluate": "evaluando en el conjunto de prueba",
                     "export": "exportando a ONNX", "calibrate": "calibrando el umbral de rareza",
                     "optimize": "podando y cuantizando", "register": "registrando la versión", "done": "terminado"}


@pytest.mark.tensorflow
def test_only_admins_activate_from_the_models_page_of_a_class(client, people, classroom, other_class, active_model,
                                                             finished_run):
    trained = finished_run.model_version
    models_page = f"/classes/{classroom.pk}/models/"
    client.force_login(people["student"])
    html = client.get(models_page).content.decode()
    assert f"Modelos de {classroom.name}" in html and "student-cnn v1" in html and "Activar" not in html
    assert "ONNX en servicio (coma flotante, con las salidas de ImageNet para los descriptores)" in html  # its files, named
    assert f'href="/classes/{classroom.pk}/training/{finished_run.pk}/"' in html  # the run it came from
    assert client.post(f"{models_page}{trained.pk}/activate/").status_code == 403
    assert serving_version(classroom=classroom) == active_model
    english = in_english(Client())
    english.force_login(people["student"])
    assert "ONNX served (float, with the ImageNet outputs for tags)" in english.get(models_page).content.decode()

    client.force_login(people["admin"])
    assert "Activar" in client.get(models_page).content.decode()
    assert "student-cnn" not in client.get(f"/classes/{other_class.pk}/models/").content.decode()  # not theirs
    response = client.post(f"{models_page}{trained.pk}/activate/", follow=True)
    assert f"student-cnn v1 responde ahora para {classroom.name}, desde el próximo análisis." in response.content.decode()
    assert serving_version(classroom=classroom) == trained
    assert serving_version(classroom=other_class) == active_model  # other classes keep theirs
    client.post(f"{models_page}rollback/")
    assert serving_version(classroom=classroom) == active_model


@pytest.fixture
def superuser(people):
    admin = people["admin"]
    admin.is_staff = admin.is_superuser = True  # as the demo admin account
    admin.save()
    return admin


@pytest.mark.tensorflow
def test_admin_starts_runs_for_a_class_and_activates_versions_for_one(client, superuser, classroom, other_class,
                                                                     active_model, finished_run,
                                                                     django_capture_on_commit_callbacks):
    client.force_login(superuser)
    page = client.get("/admin/training/trainingrun/add/")
    assert page.status_code == 200 and "preset" in page.content.decode() and 'name="classroom"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/admin/training/trainingrun/add/", {**FORM, "classroom": classroom.pk})
    started = TrainingRun.objects.exclude(pk=finished_run.pk).get()
    assert response.status_code == 302 and started.classroom == classroom and len(queued) == 1

    trained = finished_run.model_version
    changelist = "/admin/ml_models/modelversion/"
    response = client.post(changelist, {"action": "activate", "index": "0", "_selected_action": [trained.pk]},
                           follow=True)
    assert "Selecciona exactamente una versión y elige la clase." in response.content.decode()
    assert serving_version(classroom=classroom) == active_model
    response = client.post(changelist, {"action": "activate", "index": "0", "classroom": other_class.pk,
                                        "_selected_action": [trained.pk]}, follow=True)
    assert "Esta versión se entrenó para otra clase." in response.content.decode()  # from another class's labels
    assert serving_version(classroom=other_class) == active_model
    response = client.post(changelist, {"action": "activate", "index": "0", "classroom": classroom.pk,
                                        "_selected_action": [trained.pk]}, follow=True)
    # the admin shows messages with a capital first letter ("Student-cnn v1 ...")
    assert f"student-cnn v1 responde ahora para {classroom.name}".lower() in response.content.decode().lower()
    assert serving_version(classroom=classroom) == trained and serving_version(classroom=other_class) == active_model


@pytest.mark.tensorflow
def test_the_admin_keeps_runs_and_versions_that_are_history(client, superuser, classroom, active_model, finished_run,
                                                           django_capture_on_commit_callbacks):
    from ml_models.services import activate_version

    with django_capture_on_commit_callbacks(execute=False):
        unfinished = start_run(classroom=classroom, config=build_config(config=TINY), user=superuser)
    trained = finished_run.model_version
    activate_version(version=trained, classroom=classroom, user=superuser)  # the pretrained one served before it
    orphan = ModelVersion.objects.create(name="orphan-export", version=1, kind="classifier", artifact_dir="orphan/1",
                                         sha256="0" * 64, classroom=classroom)
    client.force_login(superuser)

    # a run that produced a version is that version's history; one that produced nothing may go
    assert client.get(f"/admin/training/trainingrun/{finished_run.pk}/delete/").status_code == 403
    response = client.post("/admin/training/trainingrun/", {
        "action": "delete_selected", "_selected_action": [finished_run.pk, unfinished.pk], "post": "yes"})
    assert response.status_code == 403 and TrainingRun.objects.count() == 2
    assert client.get(f"/admin/training/trainingrun/{unfinished.pk}/delete/").status_code == 200
    client.post(f"/admin/training/trainingrun/{unfinished.pk}/delete/", {"post": "yes"})
    assert list(TrainingRun.objects.all()) == [finished_run]

    # versions come only from prepare_models and training runs; those that served or were produced stay
    changelist = client.get("/admin/ml_models/modelversion/").content.decode()
    assert "/admin/ml_models/modelversion/add/" not in changelist
    assert client.get("/admin/ml_models/modelversion/add/").status_code == 403
    for kept in (active_model, trained):  # served the class before / produced by a run and serving now
        assert client.get(f"/admin/ml_models/modelversion/{kept.pk}/delete/").status_code == 403, kept
    client.post("/admin/ml_models/modelversion/", {  # refused whole: the active version is protected
        "action": "delete_selected", "_selected_action": [trained.pk, orphan.pk], "post": "yes"})
    assert ModelVersion.objects.filter(pk__in=[trained.pk, orphan.pk]).count() == 2
    assert client.get(f"/admin/ml_models/modelversion/{orphan.pk}/delete/").status_code == 200
    client.post(f"/admin/ml_models/modelversion/{orphan.pk}/delete/", {"post": "yes"})
    assert set(ModelVersion.objects.all()) == {active_model, trained}


def test_the_start_form_explains_its_terms_beside_the_labels(client, people, classroom):
    client.force_login(people["teacher"])
    html = in_english(client).get(runs_page(classroom)).content.decode()
    for term in ("dropout", "l2", "patience", "fold", "pruning", "int8"):
        assert f'data-term="{term}"' in html, term
    assert "a linear probe on the frozen pretrained network" in html  # what the folds cross-validate


def test_the_run_page_explains_its_metrics_and_files(client, people, classroom, labelled,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = start_run(classroom=classroom, config=build_config(config=TINY), user=people["teacher"])
    client.force_login(people["student"])
    html = in_english(client).get(f"{runs_page(classroom)}{run.pk}/").content.decode()
    for term in ("recall", "f1", "roc-auc", "latency-p50", "int8", "quantization-static", "quantization-dynamic",
                 "pruning", "overfitting", "fold", "linear-probe"):
        assert f'data-term="{term}"' in html, term
    assert "their loss decides when training stops and which epoch's weights are kept" in html
    assert "with dropout switched on and on augmented photos" in html
    assert "the model does not learn from" not in html


def test_a_run_stored_with_only_its_overfitting_epoch_still_renders(client, people, classroom, labelled,
                                                                    django_capture_on_commit_callbacks):
    """Runs finished before read_curves stored `overfitting_epoch` (the lowest validation loss): the API
    reads their stored epochs again, and a noisy curve is no longer called overfitting."""
    with django_capture_on_commit_callbacks(execute=False):
        run = start_run(classroom=classroom, config=build_config(config={**TINY, "patience": 5}),
                        user=people["teacher"])
    val = [0.7767, 0.6726, 0.6398, 0.8004, 0.7510, 0.6492, 0.6472, 0.8607]
    run.history = [{"stage": "train", "epoch": epoch, "loss": 0.7 - 0.01 * epoch, "accuracy": 0.6,
                    "val_loss": value, "val_accuracy": 0.6} for epoch, value in enumerate(val, start=1)]
    run.results = {"overfitting_epoch": 3, "cross_validation": {"method": "head_on_embeddings", "folds": 2,
                                                                  "accuracy_per_fold": [0.9, 0.8],
                                                                  "accuracy_mean": 0.85, "accuracy_std": 0.05}}
    run.save()
    client.force_login(people["student"])
    assert client.get(f"{runs_page(classroom)}{run.pk}/").status_code == 200
    curves = client.get(f"/api/v1/classes/{classroom.pk}/training-runs/{run.pk}/").json()["curves"]
    assert (curves["best_epoch"], curves["kept_epoch"], curves["overfitting"]) == (3, 3, None)
