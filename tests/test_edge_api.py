"""The edge app's server side (edge/): the version the browser runs and its files (public for the pretrained
version only), the server's answers (only on photos the asker may see), the class's test set (the training
pipeline's own split, answered as the analyze service answers), the device measurements (strictly validated,
20 per student and class), and the headers the edge page needs (cross-origin isolation, service worker)."""
import copy

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from classifier.services import analyze_image
from edge.models import DeviceMeasurement
from edge.widget_data import edge_context
from eduai import classes
from eduai.models import Job
from labeling import selectors, services
from ml_models.models import ModelVersion
from tests.images import jpeg
from training.models import TrainingRun
from training.pipeline.config import TrainingConfig
from training.pipeline.data import Example, split_by_hash
from training.services import dataset_snapshot

MODEL_URL = "/api/v1/edge/model/"
ANSWERS_URL = "/api/v1/edge/server-answers/"


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def add_pictures(classroom, values, *, start=0) -> list[int]:
    """One distinct real JPEG per value, imported into the class and settled as that label."""
    return [services.import_image(classroom=classroom, content=jpeg(40 + start + i, 30 + i % 7), name=f"p{i}.jpg",
                                  value=value).image.pk for i, value in enumerate(values, start=start)]


@pytest.fixture
def outsider(make_user):
    return make_user("olga")


@pytest.fixture
def other_class(make_user):
    return classes.create_class(name="2º Bach B", teacher=make_user("otto", "teacher"))


@pytest.fixture
def trained(active_model, classroom):
    """A version trained by the class (the pretrained graph registered as the class's own, with a training
    run whose snapshot is the class's settled photos), made the class's active version."""
    add_pictures(classroom, ["cat"] * 9 + ["dog"] * 8 + ["neither"] * 3)
    job = Job.objects.create(kind=Job.Kind.TRAINING, classroom=classroom, status="succeeded")
    config = {**TrainingConfig().to_dict(), "test_fraction": 0.3, "validation_fraction": 0.2}
    run = TrainingRun.objects.create(classroom=classroom, job=job, config=config,
                                     dataset=dataset_snapshot(classroom, ["cat", "dog"]))
    version = ModelVersion.objects.create(name="student-cnn", version=1, kind=ModelVersion.Kind.CLASSIFIER,
                                          artifact_dir=active_model.artifact_dir, sha256=active_model.sha256,
                                          signature=copy.deepcopy(active_model.signature), classroom=classroom)
    run.model_version = version
    run.save(update_fields=["model_version"])
    classroom.active_version = version
    classroom.save(update_fields=["active_version"])
    return version


# ------------------------------------------------------------------------------------------ edge model

def test_anonymous_visitors_get_the_global_pretrained_version_and_its_files(active_model, client):
    body = client_for(None).get(MODEL_URL).json()
    assert body["class_id"] is None and body["version"]["id"] == active_model.pk
    assert body["version"]["kind"] == "imagenet_zero_shot" and body["version"]["label"]
    assert body["signature"] == active_model.signature and body["answer_data_url"] == "/edge/answer-data.json"
    fp32 = body["files"]["fp32"]
    assert fp32["url"] == f"/api/v1/models/{active_model.pk}/files/model.onnx?sha256={fp32['sha256']}"
    response = client.get(fp32["url"])  # anonymous: the pretrained files are public
    assert response.status_code == 200 and response["X-Checksum-Sha256"] == fp32["sha256"]
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert int(response["Content-Length"]) == fp32["size_bytes"]
    assert "Cache-Control" not in client.get(fp32["url"].split("?")[0])  # no hash, no promise
    assert "Cache-Control" not in client.get(fp32["url"].split("?")[0] + "?sha256=" + "0" * 64)
    int8 = body["files"]["int8"]
    assert int8 is None or client.get(int8["url"])["X-Checksum-Sha256"] == int8["sha256"]


def test_a_class_version_only_for_its_members(trained, classroom, student, teacher, outsider, client):
    for user in (student, teacher):
        body = client_for(user).get(MODEL_URL, {"class": classroom.pk}).json()
        assert body["class_id"] == classroom.pk and body["version"]["id"] == trained.pk
        assert body["version"]["kind"] == "classifier"
    assert client_for(student).get(MODEL_URL).json()["version"]["kind"] == "imagenet_zero_shot"  # no class asked
    for user in (outsider, None):
        response = client_for(user).get(MODEL_URL, {"class": classroom.pk})
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client_for(student).get(MODEL_URL, {"class": "abc"}).status_code == 404
    # its files: private to the class (cached privately), 404 for everyone else
    url = client_for(student).get(MODEL_URL, {"class": classroom.pk}).json()["files"]["fp32"]["url"]
    response = client_for(student).get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert client_for(outsider).get(url).status_code == 404
    assert client.get(url).status_code == 404


# --------------------------------------------------------------------------------------- server answers

def test_server_answers_only_on_photos_the_asker_may_see(active_model, classroom, student, make_user, join):
    ben = make_user("ben")
    join(ben, classroom)
    mine = analyze_image(content=jpeg(64, 48), original_name="mine.jpg", user=student, classroom=classroom)
    his = analyze_image(content=jpeg(70, 50), original_name="his.jpg", user=ben, classroom=classroom)  # private
    settled = selectors.pictures(classroom).get(pk=add_pictures(classroom, ["cat"], start=5)[0])
    hashes = [mine.image.sha256, his.image.sha256, settled.sha256, "f" * 64]
    body = client_for(student).post(ANSWERS_URL, {"version": active_model.pk, "sha256": hashes}, format="json").json()
    assert body["unknown"] == [his.image.sha256, "f" * 64]
    answers = {answer["sha256"]: answer for answer in body["answers"]}
    assert list(answers) == [mine.image.sha256, settled.sha256]
    assert answers[mine.image.sha256] == {"sha256": mine.image.sha256, "label": mine.label,
                                          "probabilities": mine.probabilities, "unusual_score": mine.unusual_score}
    his_view = client_for(ben).post(ANSWERS_URL, {"version": active_model.pk, "sha256": hashes}, format="json").json()
    assert [answer["sha256"] for answer in his_view["answers"]] == [his.image.sha256, settled.sha256]
    anonymous = client_for(None).post(ANSWERS_URL, {"version": active_model.pk, "sha256": hashes}, format="json")
    assert anonymous.status_code == 200 and anonymous.json() == {"answers": [], "unknown": hashes}


def test_server_answers_refuse_bad_input_and_other_classes_versions(trained, student, outsider):
    good = "a" * 64
    cases = [({"version": trained.pk}, "required"), ({"sha256": [good]}, "required"),
             ({"version": "1", "sha256": [good]}, "invalid"), ({"version": trained.pk, "sha256": []}, "min_length"),
             ({"version": trained.pk, "sha256": [good] * 101}, "max_length"),
             ({"version": trained.pk, "sha256": ["A" * 64]}, "not_sha256"),
             ({"version": trained.pk, "sha256": ["a" * 63]}, "not_sha256"),
             ({"version": trained.pk, "sha256": [5]}, "invalid"),
             ({"version": trained.pk, "sha256": [good], "photo": "x"}, "unknown_field")]
    for body, code in cases:
        response = client_for(student).post(ANSWERS_URL, body, format="json")
        assert response.status_code == 400 and response.json()["code"] == code, (body, response.json())
    response = client_for(student).post(ANSWERS_URL, {"version": trained.pk, "sha256": [good]}, format="json")
    assert response.status_code == 200 and response.json()["unknown"] == [good]
    for user in (outsider, None):  # a class's version is not theirs to run
        response = client_for(user).post(ANSWERS_URL, {"version": trained.pk, "sha256": [good]}, format="json")
        assert response.status_code == 404 and response.json()["code"] == "not_found"


# ----------------------------------------------------------------------------------------- test set

def test_the_test_set_is_the_versions_test_split_answered_as_the_analyze_service_answers(
        trained, classroom, student, teacher, outsider):
    url = reverse("api:class-edge-test-set", kwargs={"class_id": classroom.pk})
    body = client_for(student).get(url, {"limit": 100}).json()
    run = TrainingRun.objects.get(model_version=trained)
    items = [item for item in run.dataset if item["label"] in ("cat", "dog")]
    examples = [Example(item["sha256"], None, ["cat", "dog"].index(item["label"])) for item in items]
    expected = sorted(e.sha256 for e in split_by_hash(examples, validation_fraction=0.2, test_fraction=0.3).test)
    assert body["source"] == "test_split" and body["version"]["id"] == trained.pk
    assert [image["sha256"] for image in body["images"]] == expected and len(expected) == 5  # round(9·.3)+round(8·.3)
    assert client_for(student).get(url, {"limit": 100}).json() == body  # deterministic
    assert [image["sha256"] for image in client_for(student).get(url, {"limit": 2}).json()["images"]] == expected[:2]
    labels = selectors.final_labels(classroom)
    for image in body["images"]:
        assert image["label"] == labels[image["image_id"]]
        photo = selectors.pictures(classroom).get(pk=image["image_id"])
        with photo.file.open("rb") as handle:
            analysis = analyze_image(content=handle.read(), original_name="x.jpg", user=student, classroom=classroom)
        assert analysis.model_version_id == trained.pk
        assert image["server"] == {"label": analysis.label, "probabilities": analysis.probabilities,
                                   "unusual_score": analysis.unusual_score}
    response = client_for(outsider).get(url)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client_for(None).get(url).status_code in (401, 403)
    for limit in (0, 101, "x"):
        response = client_for(student).get(url, {"limit": limit})
        assert response.status_code == 400 and response.json()["field"] == "limit"


def test_the_photo_urls_of_the_test_set_are_readable_by_members(trained, classroom, student):
    session = Client()
    session.force_login(student)
    url = reverse("api:class-edge-test-set", kwargs={"class_id": classroom.pk})
    image = session.get(url).json()["images"][0]
    assert session.get(image["url"]).status_code == 200


def test_gold_pictures_stay_out_of_a_students_test_set(trained, classroom, student, teacher):
    url = reverse("api:class-edge-test-set", kwargs={"class_id": classroom.pk})
    first = client_for(teacher).get(url).json()["images"][0]
    services.mark_gold(classroom=classroom, image=selectors.pictures(classroom).get(pk=first["image_id"]),
                       teacher=teacher, value=first["label"])
    assert first["sha256"] in [image["sha256"] for image in client_for(teacher).get(url).json()["images"]]
    assert first["sha256"] not in [image["sha256"] for image in client_for(student).get(url).json()["images"]]


def test_with_the_pretrained_version_the_test_set_is_the_default_cut_of_the_settled_photos(
        active_model, classroom, student):
    ids = add_pictures(classroom, ["cat"] * 7 + ["dog"] * 7 + [None] * 2)
    body = client_for(student).get(reverse("api:class-edge-test-set", kwargs={"class_id": classroom.pk})).json()
    assert body["source"] == "labelled" and body["version"]["id"] == active_model.pk
    config = TrainingConfig()
    photos = selectors.pictures(classroom).filter(pk__in=ids[:14])
    labels = selectors.final_labels(classroom)
    examples = [Example(photo.sha256, None, ["cat", "dog"].index(labels[photo.pk])) for photo in photos]
    expected = sorted(e.sha256 for e in split_by_hash(examples, validation_fraction=config.validation_fraction,
                                                        test_fraction=config.test_fraction).test)
    assert [image["sha256"] for image in body["images"]] == expected and expected


# ------------------------------------------------------------------------------------ device measurements

def measurement(version, **changes) -> dict:
    body = {"device": "Portátil de Ana", "model_version": version.pk, "source": "test_split", "images": 24,
            "backend": "wasm", "threads": 4, "cross_origin_isolated": True, "cold_start_ms": 812.5,
            "fp32": {"p50_ms": 41.2, "p90_ms": 55.0, "bytes": 14_000_000, "agreement": 1.0,
                     "max_probability_diff": 0.0004},
            "int8": {"p50_ms": 25.0, "p90_ms": 30.5, "bytes": 4_100_000, "agreement": 0.96,
                     "max_probability_diff": 0.05}}
    body.update(changes)
    return body


def test_a_member_stores_a_measurement_and_the_class_sees_it(trained, classroom, student, teacher, outsider):
    url = reverse("api:class-device-measurements", kwargs={"class_id": classroom.pk})
    response = client_for(student).post(url, measurement(trained), format="json", HTTP_USER_AGENT="Firefox/140")
    assert response.status_code == 201, response.json()
    row = response.json()
    assert row["device"] == "Portátil de Ana" and row["mine"] is True and row["author"] is None
    assert row["user_agent"] == "Firefox/140" and row["fp32"]["p50_ms"] == 41.2 and row["int8"]["bytes"] == 4_100_000
    assert row["version_label"] and row["model_version"] == trained.pk and row["created"]
    stored = DeviceMeasurement.objects.get()
    assert (stored.classroom, stored.user, stored.model_version) == (classroom, student, trained)
    no_int8 = measurement(trained, source="own_photos", user_agent="mine")
    del no_int8["int8"]
    assert client_for(teacher).post(url, no_int8, format="json").json()["int8"] is None
    seen_by_student = client_for(student).get(url).json()["results"]
    assert [r["mine"] for r in seen_by_student] == [False, True] and {r["author"] for r in seen_by_student} == {None}
    seen_by_teacher = client_for(teacher).get(url).json()["results"]
    assert [r["author"] for r in seen_by_teacher] == ["tere", "ana"] and seen_by_teacher[0]["user_agent"] == "mine"
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(outsider).post(url, measurement(trained), format="json").status_code == 404
    assert client_for(None).get(url).status_code in (401, 403)
    assert DeviceMeasurement.objects.count() == 2


BAD_FIELDS = [
    ("device", ""), ("device", "x" * 61), ("device", 5), ("device", None),
    ("model_version", "1"), ("model_version", 0), ("model_version", True), ("model_version", 2.5),
    ("source", "camera"), ("images", 0), ("images", 501), ("images", "24"),
    ("backend", "cuda"), ("threads", 0), ("threads", 65), ("threads", 1.5),
    ("cross_origin_isolated", "true"), ("cross_origin_isolated", 1), ("cross_origin_isolated", None),
    ("cold_start_ms", -1), ("cold_start_ms", 600_001), ("cold_start_ms", "5"),
    ("fp32", None), ("fp32", "fast"), ("fp32", {"p50_ms": 1}),
    ("fp32.p50_ms", -0.1), ("fp32.p50_ms", 600_001), ("fp32.p90_ms", 10.0), ("fp32.bytes", -1), ("fp32.bytes", 1.5),
    ("fp32.agreement", 1.01), ("fp32.max_probability_diff", -0.5), ("fp32.extra", 1),
    ("int8", [1]), ("int8.p90_ms", 1.0), ("int8.agreement", "1"), ("user_agent", "u" * 401), ("user_agent", 3),
    ("photo", "data:image/png;base64,AAAA"),
]


@pytest.mark.parametrize("field,value", BAD_FIELDS)
def test_every_field_of_a_measurement_is_validated_in_spanish(trained, classroom, student, field, value):
    body = measurement(trained)
    if "." in field:
        outer, inner = field.split(".")
        body[outer] = {**body[outer], inner: value}
    else:
        body[field] = value
    url = reverse("api:class-device-measurements", kwargs={"class_id": classroom.pk})
    response = client_for(student).post(url, body, format="json")
    assert response.status_code == 400, (field, value, response.json())
    error = response.json()
    assert error["code"] and error["field"] == field.split(".")[0], error
    assert error["detail"] and not error["detail"].startswith(("This field", "Ensure", "A valid", "Not a valid")), error
    assert DeviceMeasurement.objects.count() == 0


def test_measurement_errors_speak_the_requests_language(trained, classroom, student):
    url = reverse("api:class-device-measurements", kwargs={"class_id": classroom.pk})
    body = measurement(trained, threads=0)
    assert "mayor o igual" in client_for(student).post(url, body, format="json").json()["detail"]
    english = client_for(student).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert "greater than or equal" in english.json()["detail"]
    p90 = client_for(student).post(url, measurement(trained, fp32={**measurement(trained)["fp32"], "p90_ms": 1.0}),
                                   format="json").json()
    assert p90["code"] == "p90_below_p50" and "p90_ms" in p90["detail"]


def test_a_measurement_names_a_version_the_class_can_use(trained, classroom, other_class, student, active_model):
    url = reverse("api:class-device-measurements", kwargs={"class_id": classroom.pk})
    theirs = ModelVersion.objects.create(name="their-cnn", version=1, kind=ModelVersion.Kind.CLASSIFIER,
                                         artifact_dir="x", sha256="1" * 64, classroom=other_class)
    for pk in (theirs.pk, 999_999):
        response = client_for(student).post(url, measurement(trained, model_version=pk), format="json")
        assert response.status_code == 400 and response.json()["code"] == "invalid_model_version"
        assert response.json()["field"] == "model_version"
    assert DeviceMeasurement.objects.count() == 0
    assert client_for(student).post(url, measurement(active_model), format="json").status_code == 201  # pretrained


def test_a_student_keeps_at_most_20_measurements_per_class(trained, classroom, student, teacher):
    url = reverse("api:class-device-measurements", kwargs={"class_id": classroom.pk})
    client_for(teacher).post(url, measurement(trained, device="Mesa del profe"), format="json")
    for i in range(23):
        assert client_for(student).post(url, measurement(trained, device=f"móvil {i}"), format="json").status_code == 201
    mine = DeviceMeasurement.objects.filter(user=student).order_by("created", "id")
    assert mine.count() == 20 and [row.device for row in mine][:1] == ["móvil 3"]
    assert DeviceMeasurement.objects.filter(user=teacher).count() == 1
    devices = [row["device"] for row in client_for(student).get(url).json()["results"]]
    assert devices[0] == "móvil 22" and "móvil 2" not in devices and "Mesa del profe" in devices


# -------------------------------------------------------------------------------------- pages, headers

def isolated(response) -> bool:
    return (response.get("Cross-Origin-Opener-Policy") == "same-origin"
            and response.get("Cross-Origin-Embedder-Policy") == "require-corp")


def test_the_pages_that_run_models_are_cross_origin_isolated(active_model, classroom, student, course, client):
    anonymous = client.get("/edge/")
    assert anonymous.status_code == 200 and isolated(anonymous)
    assert anonymous.context["model_info_url"] == MODEL_URL and anonymous.context["class_id"] is None
    assert anonymous.context["device_measurements_url"] is None and anonymous.context["test_set_url"] is None
    assert 'id="i18n-strings"' in anonymous.content.decode()
    assert isolated(client.get("/"))
    client.force_login(student)
    page = client.get("/edge/")
    assert isolated(page) and page.context["class_id"] == classroom.pk
    assert page.context["model_info_url"] == f"{MODEL_URL}?class={classroom.pk}"
    widget = edge_context(classroom=classroom, user=student, options={})
    assert {key: page.context[key] for key in widget} == widget
    assert isolated(client.get("/"))
    assert isolated(client.get("/inside/"))
    from lessons.models import Lesson

    lesson = Lesson.objects.filter(builtin=True).first()
    response = client.get(reverse("lessons:lesson", kwargs={"slug": lesson.slug}))
    assert response.status_code == 200 and isolated(response)
    assert not isolated(client.get("/glossary/"))  # only where a model runs


def test_the_edge_page_of_a_class_is_for_its_members(active_model, classroom, outsider, client):
    client.force_login(outsider)
    assert client.get("/edge/").context["class_id"] is None  # in no class: the global version
    assert client.get(f"/edge/?class={classroom.pk}").status_code == 404
    client.logout()
    response = client.get(f"/edge/?class={classroom.pk}")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_service_worker_is_served_from_edge_with_its_scope(settings, tmp_path, client):
    settings.STATICFILES_DIRS = [tmp_path]
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STATIC_ROOT.mkdir()
    assert client.get("/edge/sw.js").status_code == 404
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "edge_sw.js").write_text("self.addEventListener('fetch', () => {});\n")
    response = client.get("/edge/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/edge/" and response["Cache-Control"] == "no-cache"
    assert b"".join(response.streaming_content).startswith(b"self.addEventListener")


def test_the_answer_tables_are_cached_for_a_day(client):
    pytest.importorskip("edge.answer_data")
    response = client.get("/edge/answer-data.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "max-age=86400" in response["Cache-Control"] and "public" in response["Cache-Control"]



def test_a_version_whose_files_are_gone_is_a_clear_503(active_model, classroom, student):
    broken = ModelVersion.objects.create(name="gone-cnn", version=1, kind=ModelVersion.Kind.CLASSIFIER,
                                         artifact_dir="gone-cnn/1", sha256="2" * 64,
                                         signature=copy.deepcopy(active_model.signature), classroom=classroom)
    classroom.active_version = broken
    classroom.save(update_fields=["active_version"])
    response = client_for(student).get(MODEL_URL, {"class": classroom.pk})
    assert response.status_code == 503 and response.json()["code"] == "model_unavailable"
    mine = analyze_image(content=jpeg(64, 48), original_name="mine.jpg", user=student, classroom=None)
    response = client_for(student).post(ANSWERS_URL, {"version": broken.pk, "sha256": [mine.image.sha256]},
                                        format="json")
    assert response.status_code == 503 and response.json()["code"] == "model_unavailable"
