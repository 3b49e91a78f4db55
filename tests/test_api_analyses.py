"""POST/GET /api/v1/analyses/: real photos through the real model, auth and ownership."""
import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from classifier.models import Analysis, StoredImage
from tests import images

URL = "/api/v1/analyses/"


def upload(client, content: bytes, name: str = "photo.jpg", **headers):
    return client.post(URL, {"image": SimpleUploadedFile(name, content)}, format="multipart", **headers)


def chelsea_jpeg() -> bytes:
    import skimage.data

    return images.encode(Image.fromarray(skimage.data.chelsea()), "JPEG", quality=92)


def test_cat_photo_is_analyzed_end_to_end(api, active_model, media_root):
    response = upload(api, chelsea_jpeg(), "chelsea.jpg")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["label"] == "cat" and body["label_display"] == "gato"
    assert body["probabilities"]["cat"] > 0.9
    assert body["probabilities"]["cat"] + body["probabilities"]["dog"] == pytest.approx(1.0)
    assert 0 <= body["unusual_score"] < body["unusual_threshold"] <= 1
    assert body["model_version"] == {"id": active_model.id, "name": "lite0-imagenet", "version": 1}
    assert body["tags"][0]["tag"] == "cat" and body["tags"][0]["label_es"] == "gato"
    assert [tag["confidence"] for tag in body["tags"]] == sorted((t["confidence"] for t in body["tags"]), reverse=True)
    assert {"label_es", "label_en", "confidence", "tag"} <= set(body["tags"][1])
    grid = np.array(body["explanation"]["grid"])
    assert grid.shape == (7, 7) and grid.max() == pytest.approx(1.0) and grid.min() >= 0
    assert body["explanation"]["explained"] == {"tag": "cat", "label_es": "gato", "label_en": "cat"}
    assert set(body["timings_ms"]) == {"decode", "inference", "total"}
    assert body["timings_ms"]["total"] >= body["timings_ms"]["inference"] > 0
    assert len(body["image_sha256"]) == 64
    stored = StoredImage.objects.get(sha256=body["image_sha256"])
    assert (media_root / stored.file.name).read_bytes() == chelsea_jpeg()


def test_heatmap_and_image_are_served_to_their_owner_only(api, active_model, make_user, client):
    body = upload(api, chelsea_jpeg()).json()
    owner_session = APIClient()
    owner_session.force_login(Analysis.objects.get(pk=body["id"]).user)
    heatmap = owner_session.get(body["explanation"]["heatmap_url"])
    assert heatmap.status_code == 200 and heatmap["Content-Type"] == "image/png"
    overlay = Image.open(io.BytesIO(b"".join(heatmap.streaming_content)))
    assert overlay.mode == "RGBA" and overlay.size[0] / overlay.size[1] == pytest.approx(451 / 300, rel=0.02)
    assert owner_session.get(body["image_url"]).status_code == 200
    client.force_login(make_user("bruno"))
    assert client.get(body["explanation"]["heatmap_url"]).status_code == 404
    assert client.get(body["image_url"]).status_code == 404


def test_real_cat_and_dog_photos(api, active_model, cat_photos, dog_photos):
    labels = {}
    for path in cat_photos[:5] + dog_photos[:5]:
        response = upload(api, path.read_bytes(), path.name)
        assert response.status_code == 201, response.content
        labels[path] = response.json()["label"]
    assert sum(labels[path] == "cat" for path in cat_photos[:5]) >= 4
    assert sum(labels[path] == "dog" for path in dog_photos[:5]) >= 4


def test_photo_that_is_neither_is_unusual(api, active_model, other_photos):
    tench = next(path for path in other_photos if "tench" in path.name)
    body = upload(api, tench.read_bytes(), tench.name).json()
    assert body["label"] == "unusual" and body["unusual_score"] > body["unusual_threshold"]
    assert "fish" in [tag["tag"] for tag in body["tags"]]
    assert body["explanation"]["explained"] == {"tag": "tench", "label_es": "tenca", "label_en": "tench"}


def test_same_image_twice_is_stored_once(api, active_model, media_root):
    first = upload(api, chelsea_jpeg()).json()
    second = upload(api, chelsea_jpeg(), "again.jpg").json()
    assert first["id"] != second["id"] and first["image_sha256"] == second["image_sha256"]
    assert StoredImage.objects.count() == 1 and Analysis.objects.count() == 2
    assert len([path for path in media_root.rglob("*") if path.is_file()]) == 2  # the photo and its heatmap


def test_detail_and_list_show_only_your_own(api, active_model, make_user):
    mine = upload(api, chelsea_jpeg()).json()
    other = APIClient()
    other.force_authenticate(make_user("bruno"))
    theirs = upload(other, images.jpeg()).json()
    assert api.get(f"{URL}{mine['id']}/").json() == mine
    assert api.get(f"{URL}{theirs['id']}/").status_code == 404
    listing = api.get(URL).json()
    assert [item["id"] for item in listing["results"]] == [mine["id"]]


def test_anonymous_users_cannot_upload_or_list(active_model, media_root):
    client = APIClient()
    response = upload(client, chelsea_jpeg())
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert client.get(URL).status_code == 401
    assert not StoredImage.objects.exists() and not any(media_root.iterdir())


def test_token_login(student):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "ana", "password": "s3cret-pass!"})
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get(URL).status_code == 200


def test_wrong_password_is_refused_in_the_request_language(student):
    client = APIClient()
    spanish = client.post("/api/v1/auth/token/", {"username": "ana", "password": "nope"})
    english = client.post("/api/v1/auth/token/", {"username": "ana", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="en")
    assert spanish.status_code == english.status_code == 400
    assert "credenciales" in spanish.json()["detail"]
    assert "credentials" in english.json()["detail"]


def test_no_active_model_is_a_clear_503(api, db, media_root):
    response = upload(api, chelsea_jpeg())
    assert response.status_code == 503 and response.json()["code"] == "no_active_model"
    assert not StoredImage.objects.exists() and not any(media_root.iterdir())


def test_openapi_schema_documents_the_analysis_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    assert {"/api/v1/analyses/", "/api/v1/analyses/{id}/", "/api/v1/auth/token/", "/api/v1/training-runs/",
            "/api/v1/training-runs/{id}/cancel/", "/api/v1/models/{id}/activate/", "/api/v1/models/rollback/",
            "/api/v1/models/{id}/files/{file_name}", "/api/v1/augmentation-previews/"} <= set(schema["paths"])
    post = schema["paths"]["/api/v1/analyses/"]["post"]
    assert {"201", "400", "413", "415"} <= set(post["responses"])
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content and b"cdn" not in docs.content.lower()


def test_openapi_schema_documents_the_labeling_endpoints_without_warnings(client, tmp_path):
    from django.core.management import call_command

    schema = client.get("/api/schema/?format=json").json()
    assert {"/api/v1/images/", "/api/v1/images/{id}/", "/api/v1/images/{id}/adjudication/", "/api/v1/images/{id}/gold/",
            "/api/v1/labeling/next/", "/api/v1/labeling/labels/", "/api/v1/labeling/skip/", "/api/v1/labeling/undo/",
            "/api/v1/analyses/{id}/model-is-wrong/", "/api/v1/labeling/disputes/", "/api/v1/labeling/agreement/",
            "/api/v1/labeling/settings/", "/api/v1/labeling/export/{file_format}/", "/api/v1/labeling/import/",
            "/api/v1/labeling/learning-curves/", "/api/v1/labeling/learning-curves/{id}/",
            "/api/v1/labeling/history/"} <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/labeling/export/{file_format}/"]["get"]["responses"]["200"]["content"]) == {
        "text/csv", "application/json"}
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
