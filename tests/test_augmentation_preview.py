"""Augmentation preview: the web asks, a real worker runs the Keras layers, the page shows the pictures."""
import base64
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from ml_models import pretrained
from ml_models.services import register_version
from tests import images
from tests.test_training_api import worker  # noqa: F401 - fixture

URL = "/api/v1/augmentation-previews/"


def analyse(api) -> int:
    return api.post("/api/v1/analyses/", {"image": SimpleUploadedFile("g.jpg", images.jpeg(96, 64))},
                    format="multipart").json()["id"]


def test_only_your_own_pictures_and_valid_settings(api, active_model, make_user):
    from rest_framework.test import APIClient

    mine = analyse(api)
    other = APIClient()
    other.force_authenticate(make_user("bruno"))
    assert other.post(URL, {"analysis": mine}, format="json").status_code == 404
    response = api.post(URL, {"analysis": mine, "augment": {"zoom": 2.0}}, format="json")
    assert response.status_code == 400 and "augment.zoom" in response.json()["detail"]


def test_page_lists_your_pictures(client, student, active_model, api):
    client.force_login(student)
    assert "Analiza una foto primero" in client.get("/training/augmentation/").content.decode()
    analyse(api)
    html = client.get("/training/augmentation/").content.decode()
    assert 'id="augment-form"' in html and "g.jpg" in html
    assert 'id="zoom" name="zoom" value="0.1"' in html  # not "0,1": number inputs need a dot in every language


@pytest.mark.tensorflow
def test_worker_returns_augmented_versions(worker, api, settings):
    register_version(folder=pretrained.artifact_dir(settings.MODELS_DIR))
    analysis = analyse(api)
    task = api.post(URL, {"analysis": analysis, "augment": {"flip": True, "zoom": 0.3}, "seed": 3}, format="json")
    assert task.status_code == 202
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body = api.get(f"{URL}{task.json()['task_id']}/").json()
        if body["status"] != "pending":
            break
        time.sleep(0.5)
    assert body["status"] == "done" and len(body["images"]) == 8
    pictures = [Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) for url in body["images"]]
    assert {picture.size for picture in pictures} == {(160, 160)}
    assert len({picture.tobytes() for picture in pictures}) > 1


def test_a_preview_can_be_polled_only_by_the_person_who_asked_for_it(api, student, make_user):
    from training.services import preview_token

    token = preview_token(task_id="some-task", user=student)
    assert api.get(f"{URL}{token}/").json()["status"] == "pending"
    other = APIClient()
    other.force_authenticate(make_user("bea"))
    assert other.get(f"{URL}{token}/").status_code == 404
    assert api.get(f"{URL}some-task/").status_code == 404  # a bare or forged id
