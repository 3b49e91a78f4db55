"""Who may do what in a class's labeling: every role against every labeling endpoint and page of the
class, in one table; then the side effects a refusal must not have and the answers that depend on
the role.

Roles: nobody logged in; a student and a teacher of the class; a teacher and a student of ANOTHER
class (to them this class does not exist: 404 on everything of it); an admin (teaches every class).
"""
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from classifier.models import Analysis, StoredImage
from eduai import classes
from eduai.models import Classroom, Job
from labeling import services
from labeling.models import Adjudication, Assignment, ClassImage, GoldImage, Label, LabelingSettings, Skip
from ml_models.models import ModelVersion
from tests import images

ROLES = ("anonymous", "student", "teacher", "other_teacher", "other_student", "admin")
OUTSIDERS = ("other_teacher", "other_student")


@dataclass(frozen=True)
class Ref:
    """A placeholder in the table for the pk of one of the world's objects."""

    name: str


CLASS, IMAGE, ANALYSIS, CURVE = Ref("classroom"), Ref("image"), Ref("analysis"), Ref("curve")


@dataclass
class World:
    """What every case starts from; `user` is the one making the request (None when anonymous)."""

    user: object
    classroom: Classroom  # the class every URL of the table is about
    other_class: Classroom  # the outsiders' own class; it holds the same picture
    image: StoredImage  # labelled once by bea, a student of the class; the user has not touched it
    analysis: Analysis  # the user's own analysis, where the model said "cat"
    curve: Job  # a queued learning-curve simulation of the class, started by its teacher
    teacher: object  # a second teacher of the class, who fetches the export that the import case sends back

    @cached_property
    def exported_csv(self) -> bytes:
        client = APIClient()
        client.force_authenticate(self.teacher)
        response = client.get(reverse("api:labeling-export", args=[self.classroom.pk, "csv"]))
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
        return "-".join([self.name, *(a.name if isinstance(a, Ref) else a for a in self.args if a is not CLASS)])


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


def into_class(world):
    return {"class": world.classroom.pk}


def dog_into_class(world):
    return {"value": "dog", "class": world.classroom.pk}


DOG = {"value": "dog"}
SETTINGS = {"labels_per_image": 3}
PAGE_SETTINGS = {"labels_per_image": 3, "suggestion": "after_answer", "default_strategy": "random"}

# Pages answer anonymous visitors with a redirect to the login page and students with 403 where
# only teachers may act; a teacher's POST redirects back (302) with a message. People outside the
# class get 404 from every endpoint and page of it. Starting a learning curve is 409 for teachers
# here: the world has too few settled labels. Students may not cancel the teacher's simulation.
MATRIX = [
    # method  url                                                      payload         anon stud teach other adm
    ("get",    url("api:images", CLASS),                               None,           401, 200, 200, 404, 200),
    ("post",   url("api:images", CLASS),                               upload,         401, 201, 201, 404, 201),
    ("get",    url("api:image-detail", CLASS, IMAGE),                  None,           401, 200, 200, 404, 200),
    ("get",    url("api:labeling-next", CLASS),                        None,           401, 200, 200, 404, 200),
    ("post",   url("api:labeling-labels", CLASS),                      label,          401, 201, 201, 404, 201),
    ("post",   url("api:labeling-skip", CLASS),                        skip,           401, 204, 204, 404, 204),
    ("post",   url("api:labeling-undo", CLASS),                        {},             401, 200, 200, 404, 200),
    ("post",   url("api:analysis-share", ANALYSIS),                    into_class,     401, 201, 201, 404, 201),
    ("post",   url("api:analysis-model-wrong", ANALYSIS),              dog_into_class, 401, 201, 201, 404, 201),
    ("get",    url("api:labeling-agreement", CLASS),                   None,           401, 200, 200, 404, 200),
    ("get",    url("api:labeling-settings", CLASS),                    None,           401, 200, 200, 404, 200),
    ("patch",  url("api:labeling-settings", CLASS),                    SETTINGS,       401, 403, 200, 404, 200),
    ("get",    url("api:labeling-export", CLASS, "csv"),               None,           401, 200, 200, 404, 200),
    ("get",    url("api:labeling-export", CLASS, "json"),              None,           401, 200, 200, 404, 200),
    ("post",   url("api:labeling-import", CLASS),                      exported_file,  401, 403, 200, 404, 200),
    ("get",    url("api:labeling-disputes", CLASS),                    None,           401, 403, 200, 404, 200),
    ("post",   url("api:image-adjudication", CLASS, IMAGE),            DOG,            401, 403, 200, 404, 200),
    ("put",    url("api:image-gold", CLASS, IMAGE),                    DOG,            401, 403, 200, 404, 200),
    ("delete", url("api:image-gold", CLASS, IMAGE),                    None,           401, 403, 204, 404, 204),
    ("get",    url("api:learning-curves", CLASS),                      None,           401, 200, 200, 404, 200),
    ("post",   url("api:learning-curves", CLASS),                      {},             401, 403, 409, 404, 409),
    ("get",    url("api:learning-curve-detail", CLASS, CURVE),         None,           401, 200, 200, 404, 200),
    ("get",    url("api:job-detail", CURVE),                           None,           401, 200, 200, 404, 200),
    ("post",   url("api:job-cancel", CURVE),                           {},             401, 403, 200, 404, 200),
    ("get",    url("api:labeling-history", CLASS),                     None,           401, 200, 200, 404, 200),
    ("get",    url("labeling:overview", CLASS),                        None,           302, 200, 200, 404, 200),
    ("post",   url("labeling:settings", CLASS),                        PAGE_SETTINGS,  302, 403, 302, 404, 302),
    ("post",   url("labeling:import", CLASS),                          None,           302, 403, 200, 404, 200),
    ("get",    url("labeling:queue", CLASS),                           None,           302, 200, 200, 404, 200),
    ("get",    url("labeling:gallery", CLASS),                         None,           302, 200, 200, 404, 200),
    ("get",    url("labeling:image", CLASS, IMAGE),                    None,           302, 200, 200, 404, 200),
    ("get",    url("labeling:image-file", CLASS, IMAGE),               None,           302, 200, 200, 404, 200),
    ("get",    url("labeling:agreement", CLASS),                       None,           302, 200, 200, 404, 200),
    ("get",    url("labeling:learning-curve", CLASS),                  None,           302, 200, 200, 404, 200),
    ("post",   url("labeling:learning-curve-start", CLASS),            {},             302, 403, 302, 404, 302),
    ("get",    url("labeling:disputes", CLASS),                        None,           302, 403, 200, 404, 200),
    ("post",   url("labeling:decide", CLASS, IMAGE, "adjudicate"),     DOG,            302, 403, 302, 404, 302),
    ("post",   url("labeling:decide", CLASS, IMAGE, "gold"),           DOG,            302, 403, 302, 404, 302),
    ("post",   url("labeling:decide", CLASS, IMAGE, "unmark-gold"),    {},             302, 403, 302, 404, 302),
]
WRITES = [row for row in MATRIX if row[0] != "get"]


def make_world(role, *, make_user, join) -> World:
    tere = make_user("tere", "teacher")
    classroom = classes.create_class(name="1º Bach A", teacher=tere)
    other_class = classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))
    user = None
    if role != "anonymous":
        user = make_user("yo", {"other_teacher": "teacher", "other_student": "student"}.get(role, role))
        if role in ("student", "teacher"):
            join(user, classroom, role)
        elif role in OUTSIDERS:
            join(user, other_class, role.removeprefix("other_"))
    bea = make_user("bea", "student")
    join(bea, classroom)
    image = services.import_image(classroom=classroom, content=images.jpeg(80, 60), name="foto.jpg", value=None).image
    services.import_image(classroom=other_class, content=images.jpeg(80, 60), name="foto.jpg", value=None)
    services.label_image(classroom=classroom, user=bea, image=image, value="cat", strategy="random")
    if role in ("student", "teacher", "admin"):  # something to undo
        skipped = services.import_image(classroom=classroom, content=images.jpeg(96, 72), name="saltada.jpg",
                                        value=None).image
        services.skip_image(classroom=classroom, user=user, image=skipped)
    analyzed = services.import_image(classroom=other_class, content=images.jpeg(112, 84), name="analizada.jpg",
                                     value=None).image  # a photo, not yet in the class of the table
    version = ModelVersion.objects.create(name="lite0-imagenet", version=1, artifact_dir="lite0",
                                          sha256="0" * 64, kind=ModelVersion.Kind.IMAGENET_ZERO_SHOT)
    analysis = Analysis.objects.create(
        user=user or bea, image=analyzed, original_name="mi-foto.jpg", model_version=version, label="cat",
        probabilities={"cat": 0.9, "dog": 0.1}, unusual_score=0.05, unusual_threshold=0.5,
        tags=[], explanation={}, heatmap="", timings_ms={})
    curve = Job.objects.create(kind=Job.Kind.LEARNING_CURVE, classroom=classroom, owner=tere,
                               params={"sizes": [20, 40]})
    teacher = make_user("tomas", "teacher")
    join(teacher, classroom, "teacher")
    return World(user=user, classroom=classroom, other_class=other_class, image=image, analysis=analysis,
                 curve=curve, teacher=teacher)


@pytest.fixture
def world(role, make_user, join) -> World:
    return make_world(role, make_user=make_user, join=join)


def request(world: World, method: str, path: str, payload):
    """The API is called with the user's token, as an API client would; pages with a session."""
    client = APIClient()
    api = path.startswith("/api/")
    if world.user is not None:
        if api:
            token, _created = Token.objects.get_or_create(user=world.user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        else:
            client.force_login(world.user)
    data = payload(world) if callable(payload) else payload
    if method in ("get", "delete"):
        return getattr(client, method)(path)
    if not api:
        return client.post(path, data)
    multipart = any(isinstance(value, list | SimpleUploadedFile) for value in data.values())
    return getattr(client, method)(path, data, format="multipart" if multipart else "json")


def expected_for(role, anonymous, student, teacher, outsider, admin) -> int:
    return {"anonymous": anonymous, "student": student, "teacher": teacher, "admin": admin}.get(role, outsider)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, build_url, payload, anonymous, student, teacher, outsider, admin", MATRIX,
                         ids=[f"{row[0].upper()}-{row[1]}" for row in MATRIX])
def test_role_matrix(world, role, method, build_url, payload, anonymous, student, teacher, outsider, admin):
    expected = expected_for(role, anonymous, student, teacher, outsider, admin)
    path = build_url(world)
    response = request(world, method, path, payload)
    try:
        assert response.status_code == expected, getattr(response, "content", b"")[:500]
        if path.startswith("/api/") and expected in (401, 403, 404):
            assert response.json()["code"] == {401: "not_authenticated", 403: "permission_denied",
                                               404: "not_found"}[expected]
        if world.user is None and not path.startswith("/api/"):
            assert response["Location"].startswith(reverse(settings.LOGIN_URL) + "?next=")
    finally:
        response.close()


# ------------------------------------------------------------- what a refusal leaves, and what it shows

# (Responses are not closed in the loops below: closing one sends request_finished, which closes the
# test's database connection.)

def class_state(world: World) -> dict:
    """Everything of the class a request could change, and the pictures stored at all."""
    room = world.classroom
    current = LabelingSettings.of(room)
    world.curve.refresh_from_db()
    return {
        "labels": sorted(Label.objects.filter(classroom=room).values_list("image_id", "labeler", "value")),
        "skips": sorted(Skip.objects.filter(classroom=room).values_list("image_id", "user_id")),
        "holds": sorted(Assignment.objects.filter(classroom=room).values_list("image_id", "user_id")),
        "pictures": sorted(ClassImage.objects.filter(classroom=room).values_list("image_id", flat=True)),
        "stored": StoredImage.objects.count(),
        "adjudications": list(Adjudication.objects.filter(classroom=room).values_list("image_id", "value")),
        "gold": list(GoldImage.objects.filter(classroom=room).values_list("image_id", "value")),
        "settings": (current.labels_per_image, current.suggestion, current.default_strategy),
        "jobs": sorted(Job.objects.filter(classroom=room).values_list("id", "kind", "status", "cancel_requested")),
    }


@pytest.mark.parametrize("role", ["anonymous", *OUTSIDERS])
def test_people_outside_the_class_change_nothing_in_it(world, role):
    services.mark_gold(classroom=world.classroom, image=world.image, teacher=world.teacher, value="cat")  # to unmark
    before = class_state(world)
    for method, build_url, payload, *_statuses in WRITES:
        request(world, method, build_url(world), payload)
    assert class_state(world) == before


def test_a_student_changes_only_her_own_labelling(make_user, join):
    """Every write of the table a student is refused leaves the class as it was."""
    world = make_world("student", make_user=make_user, join=join)
    services.mark_gold(classroom=world.classroom, image=world.image, teacher=world.teacher, value="cat")
    before = class_state(world)
    for method, build_url, payload, _anonymous, student, *_rest in WRITES:
        if student == 403:
            request(world, method, build_url(world), payload)
    assert class_state(world) == before


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("role, allowed", [("student", False), ("teacher", True), ("admin", True),
                                           ("other_teacher", False), ("other_student", False)])
def test_teacher_decisions_over_the_api_take_effect_only_for_the_classs_teachers(world, role, allowed):
    client, image, room = api_client(world.user), world.image, world.classroom
    client.post(reverse("api:image-adjudication", args=[room.pk, image.pk]), DOG, format="json")
    assert Adjudication.objects.filter(image=image, value="dog", decided_by=world.user).exists() is allowed
    client.patch(reverse("api:labeling-settings", args=[room.pk]), SETTINGS, format="json")
    assert LabelingSettings.of(room).labels_per_image == (3 if allowed else 2)
    assert LabelingSettings.of(world.other_class).labels_per_image == 2  # the other class keeps its own

    client.put(reverse("api:image-gold", args=[room.pk, image.pk]), DOG, format="json")
    assert GoldImage.objects.filter(image=image, value="dog").exists() is allowed
    services.mark_gold(classroom=room, image=image, teacher=world.teacher, value="cat")
    client.delete(reverse("api:image-gold", args=[room.pk, image.pk]))
    assert GoldImage.objects.filter(image=image).exists() is not allowed

    exported = exported_file(world)
    image.labels.all().delete()
    client.post(reverse("api:labeling-import", args=[room.pk]), exported, format="multipart")
    assert list(image.labels.values_list("labeler", "value")) == ([("bea", "cat")] if allowed else [])

    client.post(reverse("api:job-cancel", args=[world.curve.pk]))
    world.curve.refresh_from_db()
    assert (world.curve.status == "cancelled") is allowed


@pytest.mark.parametrize("role, allowed", [("student", False), ("teacher", True), ("admin", True),
                                           ("other_teacher", False), ("other_student", False)])
def test_teacher_decisions_on_the_pages_take_effect_only_for_the_classs_teachers(world, role, allowed, client):
    client.force_login(world.user)
    image, room = world.image, world.classroom
    client.post(reverse("labeling:decide", args=[room.pk, image.pk, "adjudicate"]), DOG)
    assert Adjudication.objects.filter(image=image, value="dog", decided_by=world.user).exists() is allowed
    client.post(reverse("labeling:decide", args=[room.pk, image.pk, "gold"]), DOG)
    assert GoldImage.objects.filter(image=image, value="dog", created_by=world.user).exists() is allowed
    services.mark_gold(classroom=room, image=image, teacher=world.teacher, value="cat")
    client.post(reverse("labeling:decide", args=[room.pk, image.pk, "unmark-gold"]))
    assert GoldImage.objects.filter(image=image).exists() is not allowed

    response = client.post(reverse("labeling:settings", args=[room.pk]), PAGE_SETTINGS, follow=True)
    assert LabelingSettings.of(room).labels_per_image == (3 if allowed else 2)
    if allowed:
        assert [message.level_tag for message in response.context["messages"]][-1] == "success"
    client.post(reverse("labeling:learning-curve-start", args=[room.pk]))
    # students and outsiders are refused, and the teacher has too few labels
    assert Job.objects.filter(kind=Job.Kind.LEARNING_CURVE).count() == 1


@pytest.mark.parametrize("role, teacher", [("student", False), ("teacher", True), ("admin", True)])
def test_only_teachers_learn_which_images_are_gold(world, role, teacher):
    room = world.classroom
    services.mark_gold(classroom=room, image=world.image, teacher=world.teacher, value="cat")  # bea said cat: 1/1
    client = api_client(world.user)

    gold = client.get(reverse("api:labeling-agreement", args=[room.pk])).json()["gold"]
    assert gold == ([{"labeler": "bea", "answered": 1, "correct": 1, "accuracy": 1.0}] if teacher else None)
    detail = client.get(reverse("api:image-detail", args=[room.pk, world.image.pk])).json()
    assert (detail["status"] == "gold") is teacher
    assert (detail["gold"] is not None) is teacher
    statuses = {row["status"] for row in client.get(reverse("api:images", args=[room.pk])).json()["results"]}
    assert ("gold" in statuses) is teacher
    exported = client.get(reverse("api:labeling-export", args=[room.pk, "csv"])).content.decode()
    assert (",gold," in exported) is teacher


@pytest.mark.parametrize("role", ["student"])
def test_a_student_exports_only_her_own_labels(world, role):
    room, me = world.classroom, world.user
    mine = services.import_image(classroom=room, content=images.jpeg(70, 50), name="mia.jpg", value=None).image
    services.label_image(classroom=room, user=me, image=mine, value="dog", strategy="random")
    rows = api_client(me).get(reverse("api:labeling-export", args=[room.pk, "json"])).json()["labels"]
    assert [(row["sha256"], row["labeler"], row["label"], row["file_name"]) for row in rows] == [
        (mine.sha256, "yo", "dog", "")]
    everything = api_client(world.teacher).get(reverse("api:labeling-export", args=[room.pk, "json"])).json()
    assert {row["labeler"] for row in everything["labels"]} == {"bea", "yo"}


def test_a_teacher_starts_a_learning_curve_once_enough_labels_are_settled(classroom, teacher, make_user,
                                                                         django_capture_on_commit_callbacks):
    client = api_client(teacher)
    curves = reverse("api:learning-curves", args=[classroom.pk])
    response = client.post(curves)
    assert response.status_code == 409 and response.json()["code"] == "too_few_labels"
    assert not Job.objects.exists()

    for index in range(services.MIN_CURVE_IMAGES):
        services.import_image(classroom=classroom, content=images.jpeg(48 + index, 48), name=f"{index}.jpg",
                              value="cat" if index % 2 else "dog")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(curves)
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert len(queued) == 1  # the worker's task is sent once the transaction commits
    assert Job.objects.get().classroom == classroom
    again = client.post(curves)
    assert again.status_code == 409 and again.json()["code"] == "curve_running"

    # the running simulation is this class's: another class with the same labels may start its own
    other = classes.create_class(name="2º Bach B", teacher=make_user("olga", "teacher"))
    for index in range(services.MIN_CURVE_IMAGES):
        services.import_image(classroom=other, content=images.jpeg(48 + index, 48), name=f"{index}.jpg",
                              value="cat" if index % 2 else "dog")
    with django_capture_on_commit_callbacks(execute=False):
        elsewhere = api_client(other.created_by).post(reverse("api:learning-curves", args=[other.pk]))
    assert elsewhere.status_code == 202
