"""Django admin cannot bypass the services: the active version and artifact folders are read-only there,
history cannot be deleted, and its actions call the same services as the API."""
import pytest
from django.test import Client

from eduai import classes
from eduai.models import Classroom, Job
from ml_models.models import Activation, ModelVersion


@pytest.fixture
def admin_client(make_user):
    admin = make_user("root", "admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    return client


def test_a_class_active_version_cannot_be_set_by_hand(admin_client, active_model, teacher):
    classroom = classes.create_class(name="A", teacher=teacher)
    page = admin_client.get(f"/admin/eduai/classroom/{classroom.pk}/change/").content.decode()
    assert 'name="active_version"' not in page  # shown, not editable
    admin_client.post(f"/admin/eduai/classroom/{classroom.pk}/change/", {
        "name": "A", "join_code": classroom.join_code, "created_at_0": "2026-01-01", "created_at_1": "00:00:00",
        "active_version": active_model.pk, "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"})
    assert Classroom.objects.get(pk=classroom.pk).active_version is None


def test_a_version_is_read_only_and_cannot_be_added_by_hand(admin_client, active_model):
    page = admin_client.get(f"/admin/ml_models/modelversion/{active_model.pk}/change/").content.decode()
    assert 'name="artifact_dir"' not in page and 'name="signature"' not in page
    assert admin_client.get("/admin/ml_models/modelversion/add/").status_code == 403


def test_a_version_that_served_a_class_cannot_be_deleted(admin_client, active_model, teacher):
    classroom = classes.create_class(name="A", teacher=teacher)
    Activation.objects.create(classroom=classroom, version=active_model)
    assert admin_client.get(f"/admin/ml_models/modelversion/{active_model.pk}/delete/").status_code == 403
    admin_client.post("/admin/ml_models/modelversion/", {"action": "delete_selected", "_selected_action": [active_model.pk],
                                                          "post": "yes"})
    assert ModelVersion.objects.filter(pk=active_model.pk).exists()


def test_the_activate_action_asks_for_the_class_and_runs_the_service_checks(admin_client, teacher, settings,
                                                                           tmp_path, model_folder):
    import shutil

    from ml_models import runtime
    from ml_models.networks import pretrained
    from ml_models.services import register_version
    from tests.test_runtime import copy_as_version

    settings.MODELS_DIR = tmp_path / "models"
    shutil.copytree(model_folder, pretrained.artifact_dir(settings.MODELS_DIR))
    runtime.clear()
    register_version(folder=pretrained.artifact_dir(settings.MODELS_DIR))
    other = register_version(folder=copy_as_version(settings.MODELS_DIR, 1))  # older: not the class's default
    classroom = classes.create_class(name="A", teacher=teacher)
    changelist = "/admin/ml_models/modelversion/"
    response = admin_client.post(changelist, {"action": "activate", "_selected_action": [other.pk]}, follow=True)
    assert "elige la clase" in response.content.decode()
    assert not Activation.objects.exists()
    admin_client.post(changelist, {"action": "activate", "_selected_action": [other.pk], "classroom": classroom.pk})
    activation = Activation.objects.get()  # checked and recorded like an activation from the API
    assert (activation.classroom, activation.version) == (classroom, other)
    assert Classroom.objects.get(pk=classroom.pk).active_version == other
    runtime.clear()


def test_jobs_are_history_and_are_cancelled_through_the_service(admin_client, classroom, teacher):
    from eduai import jobs

    job = jobs.start_job(kind=Job.Kind.SCORING, classroom=classroom, owner=teacher, enqueue=False)
    assert admin_client.get(f"/admin/eduai/job/{job.pk}/delete/").status_code == 403
    page = admin_client.get(f"/admin/eduai/job/{job.pk}/change/").content.decode()
    assert "puntuación de imágenes" in page  # its kind in the page's language
    admin_client.post("/admin/eduai/job/", {"action": "cancel_jobs", "_selected_action": [job.pk]})
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("cancelled", "cancelled")
