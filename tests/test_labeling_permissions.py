"""Who may do what in labeling: every role against every labeling endpoint and page, in one table,
then the side effects a refusal must not have and the answers that depend on the role."""
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from classifier.models import Analysis, StoredImage
from labeling import services
from labeling.models import Adjudication, GoldImage, LabelingSettings, LearningCurve
from ml_models.models import ModelVersion
from tests import images

ROLES = ("anonymous", "student", "teacher", "admin")


@dataclass(frozen=True)
class Ref:
    """A placeholder in the table for the pk of one of the world's objects."""

    name: str


IMAGE, ANALYSIS, CURVE = Ref("image"), Ref("analysis"), Ref("curve")


@dataclass
class World:
    """What every case starts from; `user` is the one making the request (None when anonymous)."""

    user: object
    image: StoredImage  # labelled once by another student; the user has not touched it
    analysis: Analysis  # the user's own analysis, where the model said "cat"
    curve: LearningCurve
    teacher: object  # a second teacher, who fetches the export that the import case sends back

    @cached_property
    def exported_csv(self) -> bytes:
        client = APIClient()
        client.force_authenticate(self.teacher)
        response = client.get(reverse("api:labeling-export", args=["csv"]))
        assert response.status_code == 200
        return response.content


@dataclass(frozen=True)
class Url:
    name: str
    args: tuple = ()

    def __call__(self, world: World) -> str:
        args = [getattr(world, arg.name).pk if isinstance(arg, Ref) else arg for arg in self.args]
        return reverse(self.name, args=args)

    def __str__(self) -> str:
        return "-".join([self.name, *(a.name if isinstance(a, Ref) else a for a in self.args)])


def url(name: str, *args) -> Url:
    return Url(name, args)


def upload(world):
    return {"files": [SimpleUploadedFile("gato.jpg", images.jpeg(64, 48), content_type="image/jpeg")]}


def exported_file(world):
    return {"file": SimpleUploadedFile("eduai-labels.csv", world.exported_csv, content_type="text/csv")}


def label(world):
    return {"image": world.image.pk, "value": "cat", "strategy": "random"}


def skip(world):
    return {"image": world.image.pk}


DOG = {"value": "dog"}
SETTINGS = {"labels_per_image": 3}
PAGE_SETTINGS = {"labels_per_image": 3, "suggestion": "after_answer", "default_strategy": "random"}

# Pages answer anonymous visitors with a redirect to the login page and students with 403 where
# only teachers may act; a teacher's POST redirects back (302) with a message.
# Starting a learning curve is 409 for teachers here: the world has too few settled labels.
MATRIX = [
    # method  url                                               payload        anon student teacher admin
    ("get",   url("api:images"),                                None,          401, 200, 200, 200),
    ("post",  url("api:images"),                                upload,        401, 201, 201, 201),
    ("get",   url("api:image-detail", IMAGE),                   None,          401, 200, 200, 200),
    ("get",   url("api:labeling-next"),                         None,          401, 200, 200, 200),
    ("post",  url("api:labeling-labels"),                       label,         401, 201, 201, 201),
    ("post",  url("api:labeling-skip"),                         skip,          401, 204, 204, 204),
    ("post",  url("api:labeling-undo"),                         {},            401, 200, 200, 200),
    ("post",  url("api:analysis-model-wrong", ANALYSIS),        DOG,           401, 201, 201, 201),
    ("get",   url("api:labeling-agreement"),                    None,          401, 200, 200, 200),
    ("get",   url("api:labeling-settings"),                     None,          401, 200, 200, 200),
    ("patch", url("api:labeling-settings"),                     SETTINGS,      401, 403, 200, 200),
    ("get",   url("api:labeling-export", "csv"),                None,          401, 200, 200, 200),
    ("get",   url("api:labeling-export", "json"),               None,          401, 200, 200, 200),
    ("post",  url("api:labeling-import"),                       exported_file, 401, 403, 200, 200),
    ("get",   url("api:labeling-disputes"),                     None,          401, 403, 200, 200),
    ("post",  url("api:image-adjudication", IMAGE),             DOG,           401, 403, 200, 200),
    ("put",   url("api:image-gold", IMAGE),                     DOG,           401, 403, 200, 200),
    ("delete", url("api:image-gold", IMAGE),                    None,          401, 403, 204, 204),
    ("get",   url("api:learning-curves"),                       None,          401, 200, 200, 200),
    ("post",  url("api:learning-curves"),                       {},            401, 403, 409, 409),
    ("get",   url("api:learning-curve-detail", CURVE),          None,          401, 200, 200, 200),
    ("get",   url("api:labeling-history"),                      None,          401, 200, 200, 200),
    ("get",   url("labeling:overview"),                         None,          302, 200, 200, 200),
    ("post",  url("labeling:settings"),                         PAGE_SETTINGS, 302, 403, 302, 302),
    ("post",  url("labeling:import"),                           None,          302, 403, 200, 200),
    ("get",   url("labeling:queue"),                            None,          302, 200, 200, 200),
    ("get",   url("labeling:gallery"),                          None,          302, 200, 200, 200),
    ("get",   url("labeling:image", IMAGE),                     None,          302, 200, 200, 200),
    ("get",   url("labeling:image-file", IMAGE),                None,          302, 200, 200, 200),
    ("get",   url("labeling:agreement"),                        None,          302, 200, 200, 200),
    ("get",   url("labeling:learning-curve"),                   None,          302, 200, 200, 200),
    ("post",  url("labeling:learning-curve-start"),             {},            302, 403, 302, 302),
    ("get",   url("labeling:disputes"),                         None,          302, 403, 200, 200),
    ("post",  url("labeling:decide", IMAGE, "adjudicate"),      DOG,           302, 403, 302, 302),
    ("post",  url("labeling:decide", IMAGE, "gold"),            DOG,           302, 403, 302, 302),
    ("post",  url("labeling:decide", IMAGE, "unmark-gold"),     {},            302, 403, 302, 302),
]


@pytest.fixture
def world(role, make_user) -> World:
    user = None if role == "anonymous" else make_user("yo", role)
    other = make_user("bea", "student")
    image = services.import_image(content=images.jpeg(80, 60), name="foto.jpg", value=None).image
    services.label_image(user=other, image=image, value="cat", strategy="random")
    if user is not None:  # something to undo
        skipped = services.import_image(content=images.jpeg(96, 72), name="saltada.jpg", value=None).image
        services.skip_image(user=user, image=skipped)
    analyzed = services.import_image(content=images.jpeg(112, 84), name="analizada.jpg", value=None).image
    version = ModelVersion.objects.create(name="lite0-imagenet", version=1, artifact_dir="lite0",
                                          sha256="0" * 64, kind=ModelVersion.Kind.IMAGENET_ZERO_SHOT)
    analysis = Analysis.objects.create(
        user=user or other, image=analyzed, model_version=version, label="cat",
        probabilities={"cat": 0.9, "dog": 0.05, "unusual": 0.05}, unusual_score=0.05, unusual_threshold=0.5,
        tags=[], explanation={}, heatmap="", timings_ms={})
    curve = LearningCurve.objects.create(status=LearningCurve.Status.DONE)
    teacher = make_user("tomas", "teacher")
    return World(user=user, image=image, analysis=analysis, curve=curve, teacher=teacher)


def request(world: World, method: str, path: str, payload):
    """The API is called with the user's token, as an API client would; pages with a session."""
    client = APIClient()
    api = path.startswith("/api/")
    if world.user is not None:
        if api:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.user).key}")
        else:
            client.force_login(world.user)
    data = payload(world) if callable(payload) else payload
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    if not api:
        return client.post(path, data)
    multipart = any(isinstance(value, list | SimpleUploadedFile) for value in data.values())
    return getattr(client, method)(path, data, format="multipart" if multipart else "json")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, build_url, payload, anonymous, student, teacher, admin", MATRIX,
                         ids=[f"{row[0].upper()}-{row[1]}" for row in MATRIX])
def test_role_matrix(world, role, method, build_url, payload, anonymous, student, teacher, admin):
    expected = {"anonymous": anonymous, "student": student, "teacher": teacher, "admin": admin}[role]
    path = build_url(world)
    response = request(world, method, path, payload)
    try:
        assert response.status_code == expected, getattr(response, "content", b"")[:500]
        if path.startswith("/api/") and expected in (401, 403):
            assert response.json()["code"] == {401: "not_authenticated", 403: "permission_denied"}[expected]
        if world.user is None and not path.startswith("/api/"):
            assert response["Location"].startswith(reverse(settings.LOGIN_URL) + "?next=")
    finally:
        response.close()


# ------------------------------------------------------------- what a refusal leaves, and what it shows

def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("role, allowed", [("student", False), ("teacher", True), ("admin", True)])
def test_teacher_decisions_over_the_api_take_effect_only_for_teachers(world, role, allowed):
    client, image = api_client(world.user), world.image
    client.post(reverse("api:image-adjudication", args=[image.pk]), DOG, format="json")
    assert Adjudication.objects.filter(image=image, value="dog", decided_by=world.user).exists() is allowed
    client.patch(reverse("api:labeling-settings"), SETTINGS, format="json")
    assert LabelingSettings.current().labels_per_image == (3 if allowed else 2)

    client.put(reverse("api:image-gold", args=[image.pk]), DOG, format="json")
    assert GoldImage.objects.filter(image=image, value="dog").exists() is allowed
    services.mark_gold(image=image, teacher=world.teacher, value="cat")
    client.delete(reverse("api:image-gold", args=[image.pk]))
    assert GoldImage.objects.filter(image=image).exists() is not allowed

    exported = exported_file(world)
    image.labels.all().delete()
    client.post(reverse("api:labeling-import"), exported, format="multipart")
    assert list(image.labels.values_list("labeler", "value")) == ([("bea", "cat")] if allowed else [])


@pytest.mark.parametrize("role, allowed", [("student", False), ("teacher", True), ("admin", True)])
def test_teacher_decisions_on_the_pages_take_effect_only_for_teachers(world, role, allowed, client):
    client.force_login(world.user)
    image = world.image
    client.post(reverse("labeling:decide", args=[image.pk, "adjudicate"]), DOG)
    assert Adjudication.objects.filter(image=image, value="dog", decided_by=world.user).exists() is allowed
    client.post(reverse("labeling:decide", args=[image.pk, "gold"]), DOG)
    assert GoldImage.objects.filter(image=image, value="dog", created_by=world.user).exists() is allowed
    services.mark_gold(image=image, teacher=world.teacher, value="cat")
    client.post(reverse("labeling:decide", args=[image.pk, "unmark-gold"]))
    assert GoldImage.objects.filter(image=image).exists() is not allowed

    response = client.post(reverse("labeling:settings"), PAGE_SETTINGS, follow=True)
    assert LabelingSettings.current().labels_per_image == (3 if allowed else 2)
    if allowed:
        assert [message.level_tag for message in response.context["messages"]][-1] == "success"
    client.post(reverse("labeling:learning-curve-start"))
    assert LearningCurve.objects.count() == 1  # students are refused, and the teacher has too few labels


@pytest.mark.parametrize("role, teacher", [("student", False), ("teacher", True), ("admin", True)])
def test_only_teachers_learn_which_images_are_gold(world, role, teacher):
    services.mark_gold(image=world.image, teacher=world.teacher, value="cat")  # bea said cat: she scores 1/1
    client = api_client(world.user)

    gold = client.get(reverse("api:labeling-agreement")).json()["gold"]
    assert gold == ([{"labeler": "bea", "answered": 1, "correct": 1, "accuracy": 1.0}] if teacher else None)
    detail = client.get(reverse("api:image-detail", args=[world.image.pk])).json()
    assert (detail["status"] == "gold") is teacher
    assert (detail["gold"] is not None) is teacher
    statuses = {row["status"] for row in client.get(reverse("api:images")).json()["results"]}
    assert ("gold" in statuses) is teacher
    exported = client.get(reverse("api:labeling-export", args=["csv"])).content.decode()
    assert (",gold," in exported) is teacher


def test_a_teacher_starts_a_learning_curve_once_enough_labels_are_settled(make_user,
                                                                         django_capture_on_commit_callbacks):
    client = api_client(make_user("teresa", "teacher"))
    response = client.post(reverse("api:learning-curves"))
    assert response.status_code == 409 and response.json()["code"] == "too_few_labels"
    assert not LearningCurve.objects.exists()

    for index in range(services.MIN_CURVE_IMAGES):
        services.import_image(content=images.jpeg(48 + index, 48), name=f"{index}.jpg",
                              value="cat" if index % 2 else "dog")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("api:learning-curves"))
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert len(queued) == 1  # the worker's task is sent once the transaction commits
    again = client.post(reverse("api:learning-curves"))
    assert again.status_code == 409 and again.json()["code"] == "curve_running"
