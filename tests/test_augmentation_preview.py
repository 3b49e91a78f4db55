"""Augmentation preview: the web asks, a real worker runs the Keras layers as a job only the person who
asked can see, and the page offers your own pictures only."""
import base64
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from eduai.models import Job
from ml_models.networks import pretrained
from ml_models.services import register_version
from tests import images
from tests.test_training_api import worker, worker_log  # noqa: F401 - fixture

URL = "/api/v1/augmentation-previews/"


def analyse(api, name: str = "g.jpg") -> int:
    response = api.post("/api/v1/analyses/", {"image": SimpleUploadedFile(name, images.jpeg(96, 64))},
                        format="multipart")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_only_your_own_pictures_and_valid_settings(api, active_model, make_user):
    mine = analyse(api)
    other = client_for(make_user("bruno"))
    refused = other.post(URL, {"analysis": mine}, format="json")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    response = api.post(URL, {"analysis": mine, "augment": {"zoom": 2.0}}, format="json")
    assert response.status_code == 400 and "augment.zoom" in response.json()["detail"]
    for count in (0, 13, "many"):
        assert api.post(URL, {"analysis": mine, "count": count}, format="json").status_code == 400
    assert not Job.objects.exists()
    api.post(URL, {"analysis": mine, "count": 12}, format="json")
    assert Job.objects.get().params["count"] == 12  # the lesson widget asks for up to 12


def test_a_preview_is_a_job_only_its_owner_can_see(api, student, classroom, teacher, active_model, make_user, join,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = api.post(URL, {"analysis": analyse(api), "seed": 3}, format="json")
    job = response.json()
    assert response.status_code == 202 and len(queued) == 1  # handed to the worker once committed
    assert (job["kind"], job["status"], job["owner"], job["classroom"]) == ("augmentation_preview", "queued", "ana",
                                                                             None)
    assert api.get(f"/api/v1/jobs/{job['id']}/").json()["id"] == job["id"]
    classmate = make_user("bruno")
    join(classmate, classroom)
    admin = make_user("root", "admin")
    for someone in (classmate, teacher, admin):  # a private photo: not even her teacher or an admin
        assert client_for(someone).get(f"/api/v1/jobs/{job['id']}/").status_code == 404, someone
        assert client_for(someone).post(f"/api/v1/jobs/{job['id']}/cancel/").status_code == 404, someone
    assert Job.objects.get().status == "queued"
    assert api.post(f"/api/v1/jobs/{job['id']}/cancel/").json()["status"] == "cancelled"  # she may call it off


def test_page_lists_your_pictures_only(client, student, active_model, api, make_user):
    client.force_login(student)
    assert "Analiza una foto primero" in client.get("/training/augmentation/").content.decode()
    analyse(client_for(make_user("bruno")), "bruno-en-la-playa.jpg")
    assert "Analiza una foto primero" in client.get("/training/augmentation/").content.decode()
    analyse(api)
    html = client.get("/training/augmentation/").content.decode()
    assert 'id="augment-form"' in html and "g.jpg" in html and "bruno-en-la-playa.jpg" not in html
    assert 'data-job-url="/api/v1/jobs/0/"' in html  # polled like every other job
    assert 'id="zoom" name="zoom" value="0.1"' in html  # not "0,1": number inputs need a dot in every language


@pytest.mark.tensorflow
def test_worker_returns_augmented_versions(worker, api, settings):
    register_version(folder=pretrained.artifact_dir(settings.MODELS_DIR))
    analysis = analyse(api)
    response = api.post(URL, {"analysis": analysis, "augment": {"flip": True, "zoom": 0.3}, "seed": 3}, format="json")
    assert response.status_code == 202
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        body = api.get(f"/api/v1/jobs/{response.json()['id']}/").json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            break
        assert worker.poll() is None, worker_log(worker)
        time.sleep(0.5)
    assert body["status"] == "succeeded", (body, worker_log(worker))
    assert body["progress"] == 1.0 and len(body["result"]["images"]) == 8
    pictures = [Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) for url in body["result"]["images"]]
    assert {picture.format for picture in pictures} == {"PNG"} and {picture.size for picture in pictures} == {(160, 160)}
    assert len({picture.tobytes() for picture in pictures}) > 1
