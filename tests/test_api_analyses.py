"""POST/GET/DELETE /api/v1/analyses/: real photos through the real model; analyses are private to their
owner, a class's model answers, and a photo is shared into a class only when its owner says so."""
import io
import shutil

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from classifier.models import Analysis, StoredImage
from eduai import classes
from labeling.models import ClassImage
from ml_models import runtime
from ml_models.core.artifacts import Manifest
from ml_models.core.cam import FIXED_SCALE_LOGITS, MAX_ALPHA
from ml_models.networks import pretrained
from ml_models.services import activate_version, register_version
from tests import images

URL = "/api/v1/analyses/"


def upload(client, content: bytes, name: str = "photo.jpg", **fields):
    return client.post(URL, {"image": SimpleUploadedFile(name, content), **fields}, format="multipart")


def chelsea_jpeg() -> bytes:
    import skimage.data

    return images.encode(Image.fromarray(skimage.data.chelsea()), "JPEG", quality=92)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def files_in(media_root) -> set[str]:
    return {str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file()}


def served(client, url: str) -> bytes | None:
    """The bytes a GET of `url` serves, None when it is refused."""
    response = client.get(url)
    return b"".join(response.streaming_content) if response.status_code == 200 else None


@pytest.fixture
def bruno(make_user, classroom, join):
    """A classmate of ana's."""
    user = make_user("bruno")
    join(user, classroom)
    return user


def test_cat_photo_is_analyzed_end_to_end(api, classroom, active_model, media_root):
    response = upload(api, chelsea_jpeg(), "chelsea.jpg")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["label"] == "cat" and body["label_display"] == "gato"
    assert body["probabilities"]["cat"] > 0.9
    assert body["probabilities"]["cat"] + body["probabilities"]["dog"] == pytest.approx(1.0)
    assert 0 <= body["unusual_score"] < body["unusual_threshold"] <= 1
    assert body["model_version"] == {"id": active_model.id, "name": "lite0-imagenet", "version": pretrained.VERSION}
    assert body["class"] == classroom.pk  # her current class's model answered
    assert body["original_name"] == "chelsea.jpg" and body["shared_into"] == []  # private until she shares it
    assert body["tags"][0]["tag"] == "cat" and body["tags"][0]["label_es"] == "gato" and body["tags_agree"]
    assert [tag["confidence"] for tag in body["tags"]] == sorted((t["confidence"] for t in body["tags"]), reverse=True)
    assert {"label_es", "label_en", "confidence", "tag", "kind", "source"} <= set(body["tags"][1])
    grid = np.array(body["explanation"]["grid"])
    assert grid.shape == (7, 7) and grid.max() == pytest.approx(1.0) and grid.min() >= 0
    assert body["explanation"]["explained"] == {"tag": "cat", "label_es": "gato", "label_en": "cat"}
    assert set(body["timings_ms"]) == {"decode", "inference", "total"}
    assert body["timings_ms"]["total"] >= body["timings_ms"]["inference"] > 0
    assert len(body["image_sha256"]) == 64
    stored = StoredImage.objects.get(sha256=body["image_sha256"])
    assert (media_root / stored.file.name).read_bytes() == chelsea_jpeg()


def test_heatmap_and_image_are_served_to_their_owner_only(api, classroom, teacher, bruno, active_model, make_user):
    body = upload(api, chelsea_jpeg()).json()
    owner_session = APIClient()
    owner_session.force_login(Analysis.objects.get(pk=body["id"]).user)
    heatmap = owner_session.get(body["explanation"]["heatmap_url"])
    assert heatmap.status_code == 200 and heatmap["Content-Type"] == "image/png"
    overlay = Image.open(io.BytesIO(b"".join(heatmap.streaming_content)))
    assert overlay.mode == "RGBA" and overlay.size[0] / overlay.size[1] == pytest.approx(451 / 300, rel=0.02)
    assert served(owner_session, body["image_url"]) == chelsea_jpeg()
    for someone in (make_user("carla"), bruno, teacher, make_user("root", "admin")):  # not even in her class
        other = APIClient()
        other.force_login(someone)
        assert other.get(body["explanation"]["heatmap_url"]).status_code == 404, someone
        assert other.get(body["explanation"]["heatmap_fixed_url"]).status_code == 404, someone
        assert other.get(body["image_url"]).status_code == 404, someone


def test_the_page_gets_the_heatmap_on_both_scales_and_the_signed_evidence(api, active_model):
    body = upload(api, chelsea_jpeg()).json()
    explanation = body["explanation"]
    evidence = np.array(explanation["evidence"])
    assert evidence.shape == (7, 7) and explanation["fixed_scale_logits"] == FIXED_SCALE_LOGITS
    assert explanation["against"] == {"tag": "dog", "label_es": "perro", "label_en": "dog"}
    assert evidence.sum() > 0  # summed over the cells it pushes towards cat, the answer
    # the per-photo grid is the evidence for the answer over its own largest cell, evidence against cut to 0
    assert np.allclose(explanation["grid"], np.maximum(evidence, 0) / evidence.max(), atol=2e-3)
    session = APIClient()
    session.force_login(Analysis.objects.get(pk=body["id"]).user)
    per_photo = np.asarray(Image.open(io.BytesIO(served(session, explanation["heatmap_url"]))))[..., 3]
    response = session.get(explanation["heatmap_fixed_url"])
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    fixed = np.asarray(Image.open(io.BytesIO(response.content)))
    assert fixed.shape == (*per_photo.shape, 4)
    # on the fixed scale the strongest cell is as opaque as its logits say, not always fully opaque
    expected = min(1.0, evidence.max() / FIXED_SCALE_LOGITS) * MAX_ALPHA * 255
    assert fixed[..., 3].max() == pytest.approx(expected, abs=0.12 * 255)
    assert per_photo.max() == pytest.approx(MAX_ALPHA * 255, abs=0.05 * 255)


def test_an_analysis_stored_before_the_evidence_has_no_fixed_scale_heatmap(api, active_model):
    body = upload(api, chelsea_jpeg()).json()
    analysis = Analysis.objects.get(pk=body["id"])
    analysis.explanation = {key: body["explanation"][key] for key in ("method", "explained", "grid")}
    analysis.save()
    again = api.get(f"{URL}{analysis.pk}/").json()["explanation"]
    assert again["heatmap_fixed_url"] is None and "evidence" not in again
    session = APIClient()
    session.force_login(analysis.user)
    assert session.get(f"/analyses/{analysis.pk}/heatmap-fixed.png").status_code == 404


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
    assert body["explanation"]["against"]["label_en"] == "the other ImageNet classes"


def test_same_image_twice_is_stored_once_and_each_upload_keeps_its_own_name(api, active_model, media_root):
    first = upload(api, chelsea_jpeg(), "chelsea.jpg").json()
    second = upload(api, chelsea_jpeg(), "again.jpg").json()
    assert first["id"] != second["id"] and first["image_sha256"] == second["image_sha256"]
    assert StoredImage.objects.count() == 1 and Analysis.objects.count() == 2
    assert len(files_in(media_root)) == 2  # the photo and its heatmap
    assert [api.get(f"{URL}{item['id']}/").json()["original_name"] for item in (first, second)] == [
        "chelsea.jpg", "again.jpg"]  # the name belongs to the analysis, not to the stored photo
    assert not hasattr(StoredImage.objects.get(), "original_name")


def test_detail_and_list_show_only_your_own(api, classroom, bruno, teacher, active_model):
    mine = upload(api, chelsea_jpeg()).json()
    theirs = upload(client_for(bruno), images.jpeg(), "bruno.jpg").json()
    assert api.get(f"{URL}{mine['id']}/").json() == mine
    assert api.get(f"{URL}{theirs['id']}/").status_code == 404
    assert [item["id"] for item in api.get(URL).json()["results"]] == [mine["id"]]
    teaching = client_for(teacher)  # her teacher sees none of them
    assert teaching.get(URL).json()["results"] == [] and teaching.get(f"{URL}{mine['id']}/").status_code == 404


def test_the_class_field_chooses_which_class_model_answers(api, student, classroom, make_user, join, settings,
                                                            tmp_path, model_folder, media_root):
    settings.MODELS_DIR = tmp_path / "models"
    folder = pretrained.artifact_dir(settings.MODELS_DIR)
    shutil.copytree(model_folder, folder)
    copy = folder.parent / str(pretrained.VERSION + 1)  # another servable version of the same network
    shutil.copytree(folder, copy)
    manifest = Manifest.read(copy)
    Manifest(**{**manifest.__dict__, "version": pretrained.VERSION + 1}).write(copy)
    runtime.clear()
    older, newer = register_version(folder=folder), register_version(folder=copy)  # the newer is the default
    other = classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))
    join(student, other)  # her current class is `other` now
    activate_version(version=older, classroom=other)
    try:
        picture = images.jpeg()
        assert upload(api, picture, **{"class": classroom.pk}).json()["model_version"]["id"] == newer.pk  # default
        answered = upload(api, picture, **{"class": other.pk}).json()
        assert (answered["class"], answered["model_version"]["version"]) == (other.pk, pretrained.VERSION)
        assert upload(api, picture).json()["class"] == other.pk  # no class given: the current one

        stranger = classes.create_class(name="3º ESO", teacher=make_user("pablo", "teacher"))
        before = (Analysis.objects.count(), files_in(media_root))
        refused = upload(api, picture, **{"class": stranger.pk})
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
        assert (Analysis.objects.count(), files_in(media_root)) == before
    finally:
        runtime.clear()


def test_someone_in_no_class_gets_the_default_model(make_user, active_model):
    lonely = client_for(make_user("dora"))
    body = upload(lonely, images.jpeg()).json()
    assert body["class"] is None and body["model_version"]["id"] == active_model.pk


def test_delete_removes_the_analysis_and_its_files(api, classroom, active_model, media_root,
                                                   django_capture_on_commit_callbacks):
    body = upload(api, chelsea_jpeg()).json()
    assert len(files_in(media_root)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"{URL}{body['id']}/").status_code == 204
    assert api.get(f"{URL}{body['id']}/").status_code == 404 and api.get(URL).json()["results"] == []
    assert not Analysis.objects.exists() and not StoredImage.objects.exists() and files_in(media_root) == set()


def test_nobody_deletes_someone_elses_analysis(api, bruno, classroom, active_model, media_root,
                                               django_capture_on_commit_callbacks):
    body = upload(api, chelsea_jpeg()).json()
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(bruno).delete(f"{URL}{body['id']}/").status_code == 404
    assert Analysis.objects.filter(pk=body["id"]).exists() and len(files_in(media_root)) == 2


def test_a_photo_someone_else_analysed_stays_for_them(api, bruno, classroom, active_model, media_root,
                                                     django_capture_on_commit_callbacks):
    mine = upload(api, chelsea_jpeg(), "mi-gato.jpg").json()
    theirs = upload(client_for(bruno), chelsea_jpeg(), "gato.jpg").json()
    assert len(files_in(media_root)) == 2  # one photo, one heatmap: the same picture with the same model
    with django_capture_on_commit_callbacks(execute=True):
        api.delete(f"{URL}{mine['id']}/")
    session = APIClient()
    session.force_login(bruno)
    assert served(session, theirs["image_url"]) == chelsea_jpeg()
    assert served(session, theirs["explanation"]["heatmap_url"]) is not None
    assert len(files_in(media_root)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        client_for(bruno).delete(f"{URL}{theirs['id']}/")
    assert files_in(media_root) == set() and not StoredImage.objects.exists()  # nothing refers to it any more


def test_a_photo_shared_into_a_class_stays_for_the_class(api, classroom, teacher, active_model, media_root,
                                                         django_capture_on_commit_callbacks):
    body = upload(api, chelsea_jpeg()).json()
    assert api.post(f"{URL}{body['id']}/share/", {"class": classroom.pk}, format="json").status_code == 201
    photo = StoredImage.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"{URL}{body['id']}/").status_code == 204
    assert not Analysis.objects.exists() and files_in(media_root) == {photo}  # her heatmap went, the photo stayed
    session = APIClient()
    session.force_login(teacher)
    image = StoredImage.objects.get()
    assert served(session, f"/classes/{classroom.pk}/labeling/images/{image.pk}/file/") == chelsea_jpeg()


def test_sharing_shows_the_photo_to_the_class_without_its_file_name(api, student, classroom, teacher, bruno,
                                                                    active_model, make_user, join):
    body = upload(api, chelsea_jpeg(), "IMG_0001_casa_de_mi_abuela.jpg").json()
    image_id = StoredImage.objects.get().pk
    gallery = f"/api/v1/classes/{classroom.pk}/images/"
    file_url = f"/classes/{classroom.pk}/labeling/images/{image_id}/file/"
    classmate = APIClient()
    classmate.force_login(bruno)
    assert client_for(bruno).get(gallery).json()["results"] == []  # private until shared
    assert classmate.get(file_url).status_code == 404

    share = f"{URL}{body['id']}/share/"
    assert client_for(bruno).post(share, {"class": classroom.pk}, format="json").status_code == 404  # not his
    other = classes.create_class(name="3º ESO", teacher=make_user("pablo", "teacher"))
    assert api.post(share, {"class": other.pk}, format="json").status_code == 404  # not her class
    first = api.post(share, {"class": classroom.pk}, format="json")
    assert first.status_code == 201
    assert (first.json()["analysis"], first.json()["class"], first.json()["image"]) == (body["id"], classroom.pk,
                                                                                       image_id)
    again = api.post(share, {"class": classroom.pk}, format="json")
    assert again.status_code == 200 and ClassImage.objects.count() == 1  # sharing again changes nothing
    assert api.get(f"{URL}{body['id']}/").json()["shared_into"] == [classroom.pk]

    for member in (bruno, teacher):
        listed = client_for(member).get(gallery).json()["results"]
        assert [(row["id"], row["original_name"]) for row in listed] == [(image_id, "")]  # no file name, for anyone
        detail = client_for(member).get(f"{gallery}{image_id}/").json()
        assert detail["original_name"] == ""
        session = APIClient()
        session.force_login(member)
        assert served(session, file_url) == chelsea_jpeg()
        assert "casa_de_mi_abuela" not in session.get(f"/classes/{classroom.pk}/labeling/images/{image_id}/").content.decode()
        assert "casa_de_mi_abuela" not in session.get(f"/classes/{classroom.pk}/labeling/images/").content.decode()
        assert session.get(body["image_url"]).status_code == 404  # the analysis itself stays hers
        assert client_for(member).get(f"{URL}{body['id']}/").status_code == 404
    # teachers do see the names of pictures uploaded into the class: the page would show a name it had
    from labeling.services import import_image

    import_image(classroom=classroom, content=images.jpeg(80, 60), name="subida-por-la-profe.jpg", value=None,
                 user=teacher)
    session = APIClient()
    session.force_login(teacher)
    page = session.get(f"/classes/{classroom.pk}/labeling/images/").content.decode()
    assert "subida-por-la-profe.jpg" in page and "casa_de_mi_abuela" not in page
    outsider = make_user("quique")
    join(outsider, other)
    assert client_for(outsider).get(gallery).status_code == 404


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
    assert spanish.json()["detail"] == "No puedes iniciar sesión con esos datos."  # the app's "tú", not DRF's "usted"
    assert english.json()["detail"] == "Unable to log in with provided credentials."


def test_no_active_model_is_a_clear_503(api, db, media_root):
    response = upload(api, chelsea_jpeg())
    assert response.status_code == 503 and response.json()["code"] == "no_active_model"
    assert not StoredImage.objects.exists() and not any(media_root.iterdir())


def test_openapi_schema_documents_the_analysis_training_and_model_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    assert {"/api/v1/analyses/", "/api/v1/analyses/{id}/", "/api/v1/analyses/{id}/share/",
            "/api/v1/analyses/{id}/model-is-wrong/", "/api/v1/auth/token/", "/api/v1/me/", "/api/v1/classes/",
            "/api/v1/classes/join/", "/api/v1/jobs/{id}/", "/api/v1/jobs/{id}/cancel/",
            "/api/v1/classes/{class_id}/training-runs/", "/api/v1/classes/{class_id}/training-runs/{id}/cancel/",
            "/api/v1/classes/{class_id}/models/", "/api/v1/classes/{class_id}/models/{id}/activate/",
            "/api/v1/classes/{class_id}/models/rollback/", "/api/v1/models/{id}/",
            "/api/v1/models/{id}/files/{file_name}", "/api/v1/augmentation-previews/"} <= set(schema["paths"])
    post = schema["paths"]["/api/v1/analyses/"]["post"]
    assert {"201", "400", "404", "413", "415"} <= set(post["responses"])
    form = post["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"image", "class"} <= set(schema["components"]["schemas"][form]["properties"])
    assert "delete" in schema["paths"]["/api/v1/analyses/{id}/"]
    assert {"200", "201"} <= set(schema["paths"]["/api/v1/analyses/{id}/share/"]["post"]["responses"])
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content and b"cdn" not in docs.content.lower()


def test_openapi_schema_documents_the_class_endpoints_without_warnings(client, tmp_path):
    from django.core.management import call_command

    schema = client.get("/api/schema/?format=json").json()
    scoped = "/api/v1/classes/{class_id}/"
    assert {scoped + path for path in (
        "", "images/", "images/{id}/", "images/{id}/adjudication/", "images/{id}/gold/", "labeling/next/",
        "labeling/labels/", "labeling/skip/", "labeling/undo/", "labeling/disputes/", "labeling/agreement/",
        "labeling/settings/", "labeling/export/{file_format}/", "labeling/import/", "labeling/learning-curves/",
        "labeling/learning-curves/{id}/", "labeling/history/", "members/")} <= set(schema["paths"])
    assert not any(path.startswith(("/api/v1/images/", "/api/v1/labeling/", "/api/v1/training-runs/"))
                   for path in schema["paths"])  # everything of a class lives under its id now
    assert set(schema["paths"][scoped + "labeling/export/{file_format}/"]["get"]["responses"]["200"]["content"]) == {
        "text/csv", "application/json"}
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


def test_the_analyze_page_explains_its_numbers_and_says_where_the_threshold_was_chosen(
        client, settings, student, classroom, active_model):
    from django.utils import translation

    from classifier.views import threshold_origin
    from ml_models.models import ModelVersion

    client.force_login(student)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/").content.decode()
    for term in ("probability", "unusual-score", "unusual-threshold", "heatmap", "log-odds"):
        assert f'data-term="{term}"' in page, term
    assert "shared photos whose sha256 starts with 0-7" in page  # the pretrained version's calibration
    assert "where the network looked" not in page and "zero-shot" not in page
    trained = ModelVersion(kind=ModelVersion.Kind.CLASSIFIER, signature={"decision": {"unusual": {"calibration": {
        "method": "maximum balanced accuracy", "split": "the class's photos whose sha256 ends in 0-7"}}}})
    inherited = ModelVersion(kind=ModelVersion.Kind.CLASSIFIER, signature={"decision": {"unusual": {"calibration": {
        "inherited": True, "reason": "too few"}}}})
    with translation.override("en"):
        assert "when this version was trained" in threshold_origin(trained)
        assert "kept the pretrained model's threshold" in threshold_origin(inherited)
        assert ModelVersion.Kind.IMAGENET_ZERO_SHOT.label.startswith("pretrained ImageNet model, not trained on our labels")
