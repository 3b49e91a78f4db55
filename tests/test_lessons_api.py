"""The lessons API and pages: who may author, publish and read; quiz grading on the server; exercises;
progress per student with the teacher's table and CSV; the built-in course loaded idempotently."""
import csv
import io

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from lessons.course import check_course, load_course, read_course
from lessons.models import Lesson, Progress, QuizAttempt

BODY = """Intro **texto**.

::: widget labeling-progress
:::

::: exercise manual

Explica a un compañero qué es una etiqueta.
:::

::: exercise label
count: 2

Etiqueta dos fotos.
:::

::: question choice
¿Qué es una etiqueta?
- [x] Lo que una persona dice que muestra la foto :: Eso es.
- [ ] Un descriptor del modelo :: No: eso lo calcula el modelo.
:::

::: question number
answer: 3
tolerance: 0

¿Cuántas personas etiquetan?
:::

::: question labeled-count
:::
"""


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def draft(teacher, classroom):
    return client_for(teacher).post("/api/v1/lessons/", {"title": "Etiquetas", "topic": "labeling", "language": "es",
                                                          "body": BODY}, format="json")


def test_a_teacher_creates_a_draft_with_the_contracts_fields(draft, teacher):
    assert draft.status_code == 201, draft.content
    body = draft.json()
    assert {"slug", "topic", "title", "language", "widgets", "quiz_questions"} <= set(body)
    assert (body["slug"], body["topic"], body["language"], body["status"]) == ("etiquetas", "labeling", "es", "draft")
    assert body["widgets"] == ["labeling-progress"] and body["quiz_questions"] == 3
    assert Lesson.objects.get(slug="etiquetas").author == teacher


@pytest.mark.parametrize("payload, field", [
    ({"title": "", "topic": "labeling", "language": "es", "body": "x"}, "title"),
    ({"title": "T", "topic": "astrology", "language": "es", "body": "x"}, "topic"),
    ({"title": "T", "topic": "labeling", "language": "fr", "body": "x"}, "language"),
    ({"title": "T", "topic": "labeling", "language": "es", "body": "x" * 100_001}, "body"),
    ({"title": "T", "topic": "labeling", "language": "es"}, "body"),
])
def test_bad_lesson_fields_are_refused_and_nothing_is_stored(teacher, payload, field):
    response = client_for(teacher).post("/api/v1/lessons/", payload, format="json")
    assert response.status_code == 400 and response.json()["field"] == field
    assert not Lesson.objects.exists()


def test_students_cannot_author_publish_or_see_drafts(draft, student, classroom):
    client = client_for(student)
    slug = draft.json()["slug"]
    assert client.post("/api/v1/lessons/", {"title": "T", "topic": "intro", "language": "es", "body": "x"},
                       format="json").status_code == 403
    assert client.get(f"/api/v1/lessons/{slug}/").status_code == 404
    assert slug not in [row["slug"] for row in client.get("/api/v1/lessons/").json()]
    assert client.post(f"/api/v1/lessons/{slug}/publish/", {"classes": [classroom.pk]}, format="json").status_code == 404
    assert client.patch(f"/api/v1/lessons/{slug}/", {"language": "es", "body": "y"}, format="json").status_code == 404
    pages = APIClient()
    pages.force_login(student)
    assert pages.get(f"/lessons/{slug}/").status_code == 404
    assert pages.get("/lessons/new/").status_code == 403
    assert pages.get(f"/lessons/{slug}/edit/").status_code == 403  # students write no lessons, whatever the slug
    assert pages.post(f"/lessons/{slug}/publish/", {"classes": [classroom.pk]}).status_code == 404
    assert Lesson.objects.get(slug=slug).status == "draft"


def test_a_teacher_cannot_publish_into_a_class_they_do_not_teach(draft, make_user, classroom, join):
    from eduai import classes

    other = make_user("otra", "teacher")
    theirs = classes.create_class(name="2º B", teacher=other)
    response = client_for(classroom.memberships.get(role="teacher").user).post(
        f"/api/v1/lessons/{draft.json()['slug']}/publish/", {"classes": [theirs.pk]}, format="json")
    assert response.status_code == 403
    assert Lesson.objects.get().status == "draft" and not Lesson.objects.get().classes.exists()


def test_publishing_is_blocked_while_the_text_has_problems(teacher, classroom):
    client = client_for(teacher)
    slug = client.post("/api/v1/lessons/", {"title": "Mal", "topic": "other", "language": "es",
                                            "body": "::: widget nope\n:::"}, format="json").json()["slug"]
    response = client.post(f"/api/v1/lessons/{slug}/publish/", {"classes": [classroom.pk]}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "lesson_has_problems"
    assert "nope" in str(response.json()["problems"])
    assert Lesson.objects.get(slug=slug).status == "draft"


def test_published_lessons_reach_only_their_classes(draft, teacher, classroom, student, make_user, join):
    from eduai import classes

    slug = draft.json()["slug"]
    assert client_for(teacher).post(f"/api/v1/lessons/{slug}/publish/", {"classes": [classroom.pk]},
                                    format="json").status_code == 200
    outsider = make_user("luis")
    join(outsider, classes.create_class(name="Otra", teacher=make_user("t2", "teacher")))
    assert client_for(student).get(f"/api/v1/lessons/{slug}/?lang=es").status_code == 200
    assert client_for(outsider).get(f"/api/v1/lessons/{slug}/").status_code == 404
    client_for(teacher).post(f"/api/v1/lessons/{slug}/unpublish/")
    assert client_for(student).get(f"/api/v1/lessons/{slug}/").status_code == 404


def test_the_detail_has_html_without_the_answers(draft, teacher):
    body = client_for(teacher).get(f"/api/v1/lessons/{draft.json()['slug']}/?lang=es").json()
    assert "<strong>texto</strong>" in body["html"]
    assert "Eso es." not in body["html"] and "eso lo calcula" not in body["html"]
    assert body["questions"][0] == {"id": "q1", "kind": "choice", "text": "¿Qué es una etiqueta?", "multiple": False,
                                    "choices": ["Lo que una persona dice que muestra la foto",
                                                "Un descriptor del modelo"], "images": []}


def test_the_quiz_is_graded_on_the_server_and_attempts_are_kept(draft, teacher, classroom):
    client = client_for(teacher)
    slug = draft.json()["slug"]
    response = client.post(f"/api/v1/lessons/{slug}/quiz/", {"language": "es", "answers": {"q1": 1, "q2": "3"}},
                           format="json")
    assert response.status_code == 200, response.content
    result = response.json()
    # q3 (labeled-count) is left out: the class has no settled pictures yet
    assert (result["score"], result["max_score"], result["attempts"]) == (1.0, 2.0, 1)
    assert result["questions"][0] == {"id": "q1", "correct": False, "feedback": ["No: eso lo calcula el modelo."],
                                      "right_answer": "Lo que una persona dice que muestra la foto"}
    again = client.post(f"/api/v1/lessons/{slug}/quiz/", {"language": "es", "answers": {"q1": 0, "q2": 3}},
                        format="json").json()
    assert (again["score"], again["best_score"], again["attempts"]) == (2.0, 2.0, 2)
    assert QuizAttempt.objects.count() == 2


@pytest.mark.parametrize("answers, status", [
    ({"q1": 5}, 400), ({"q9": 0}, 400), ({"q2": "tres"}, 400), ("nope", 400), ({"q1": [0, 1]}, 400),
])
def test_malformed_answers_are_refused_and_not_stored(draft, teacher, answers, status):
    response = client_for(teacher).post(f"/api/v1/lessons/{draft.json()['slug']}/quiz/",
                                        {"language": "es", "answers": answers}, format="json")
    assert response.status_code == status and response.json()["detail"]
    assert not QuizAttempt.objects.exists()


def test_a_generated_question_uses_the_classs_own_numbers(draft, teacher, classroom, cat_photos):
    from classifier.models import StoredImage
    from labeling.models import ClassImage, Label

    for index, path in enumerate(cat_photos[:3]):
        image = StoredImage.objects.create(sha256=f"{index:064d}", file=f"x/{index}.jpg", format="JPEG", width=1,
                                           height=1, size_bytes=1)
        ClassImage.objects.create(classroom=classroom, image=image)
        Label.objects.create(classroom=classroom, image=image, labeler="(dataset)", value="cat", strategy="random")
    from lessons import widget_data

    settled = widget_data.settled_count(classroom)
    assert settled == 3
    client = client_for(teacher)
    slug = draft.json()["slug"]
    detail = client.get(f"/api/v1/lessons/{slug}/?lang=es").json()
    assert [question["id"] for question in detail["questions"]] == ["q1", "q2", "q3"]
    right = client.post(f"/api/v1/lessons/{slug}/quiz/", {"language": "es", "answers": {"q3": settled}},
                        format="json").json()
    assert right["questions"][2]["correct"] is True and right["max_score"] == 3.0
    client.get(f"/api/v1/lessons/{slug}/?lang=es")  # the page shows the question again
    wrong = client.post(f"/api/v1/lessons/{slug}/quiz/", {"language": "es", "answers": {"q3": settled + 1}},
                        format="json").json()
    assert wrong["questions"][2]["correct"] is False


def test_exercises_are_checked_from_the_class_data_and_manual_ones_ticked(draft, teacher, classroom, student):
    from classifier.models import StoredImage
    from labeling.models import ClassImage, Label

    client = client_for(teacher)
    slug = draft.json()["slug"]
    client.post(f"/api/v1/lessons/{slug}/publish/", {"classes": [classroom.pk]}, format="json")
    reader = client_for(student)
    assert reader.get(f"/api/v1/lessons/{slug}/").json()["progress"]["exercises_done"] == 0
    for index in range(2):
        image = StoredImage.objects.create(sha256=f"{index:064d}", file=f"x/{index}.jpg", format="JPEG", width=1,
                                           height=1, size_bytes=1)
        ClassImage.objects.create(classroom=classroom, image=image)
        Label.objects.create(classroom=classroom, image=image, user=student, labeler="ana", value="cat",
                             strategy="random")
    detail = reader.get(f"/api/v1/lessons/{slug}/").json()
    assert [(item["id"], item["done"]) for item in detail["exercises_list"]] == [("e1", False), ("e2", True)]
    assert reader.post(f"/api/v1/lessons/{slug}/exercises/e2/done/").status_code == 400  # checked by the app
    assert reader.post(f"/api/v1/lessons/{slug}/exercises/e7/done/").status_code == 404
    assert reader.post(f"/api/v1/lessons/{slug}/exercises/e1/done/").json() == {"exercises_done": ["e1", "e2"]}
    Label.objects.filter(user=student).delete()  # done stays done
    assert reader.get(f"/api/v1/lessons/{slug}/").json()["progress"]["exercises_done"] == 2


def test_teachers_see_their_class_progress_as_json_and_csv(draft, teacher, classroom, student):
    client = client_for(teacher)
    slug = draft.json()["slug"]
    client.post(f"/api/v1/lessons/{slug}/publish/", {"classes": [classroom.pk]}, format="json")
    reader = client_for(student)
    reader.get(f"/api/v1/lessons/{slug}/")
    reader.post(f"/api/v1/lessons/{slug}/quiz/", {"language": "es", "answers": {"q1": 0}}, format="json")
    rows = client.get(f"/api/v1/classes/{classroom.pk}/progress/").json()
    row = next(row for row in rows if row["lesson"] == slug)
    assert (row["student"], row["read"], row["exercises_done"], row["exercises"], row["best_score"], row["max_score"],
            row["attempts"]) == ("ana", True, 0, 2, 1.0, 2.0, 1)
    response = client.get(f"/api/v1/classes/{classroom.pk}/progress/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert any(line["student"] == "ana" and line["lesson"] == slug and line["attempts"] == "1" for line in table)
    assert reader.get(f"/api/v1/classes/{classroom.pk}/progress/").status_code == 403
    page = APIClient()
    page.force_login(teacher)
    progress_page = page.get(f"/classes/{classroom.pk}/progress/")
    assert progress_page.status_code == 200 and ">Etiquetas</a>" in progress_page.content.decode()
    assert row["title"] == "Etiquetas"


def test_copying_a_lesson_gives_the_teacher_an_editable_draft(db, teacher, classroom):
    load_course()
    builtin = Lesson.objects.filter(builtin=True).order_by("order").first()
    client = client_for(teacher)
    assert client.patch(f"/api/v1/lessons/{builtin.slug}/", {"language": "es", "body": "x"},
                        format="json").status_code == 403
    copy = client.post(f"/api/v1/lessons/{builtin.slug}/copy/").json()
    assert copy["status"] == "draft" and copy["copied_from"] == builtin.slug and copy["slug"] != builtin.slug
    assert client.patch(f"/api/v1/lessons/{copy['slug']}/", {"language": "es", "body": "Mi versión."},
                        format="json").status_code == 200
    assert Lesson.objects.get(slug=copy["slug"]).body_es == "Mi versión."
    assert Lesson.objects.get(slug=builtin.slug).body_es != "Mi versión."


def test_preview_shows_problems_and_stores_nothing(teacher, student):
    with translation.override("en"):
        response = client_for(teacher).post("/api/v1/lessons/preview/", {"language": "en",
                                                                          "body": "Hi\n\n::: widget nope\n:::"},
                                            format="json")
    assert response.status_code == 200 and "unknown widget" in response.json()["problems"][0]
    assert not Lesson.objects.exists()
    assert client_for(student).post("/api/v1/lessons/preview/", {"language": "es", "body": "x"},
                                    format="json").status_code == 403


def test_lesson_files_are_validated_like_every_upload(draft, teacher, media_root, cat_photos):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(teacher)
    slug = draft.json()["slug"]
    for name in ("..", ".hidden", "a/b.jpg", "x" * 101):
        refused = client.post(f"/api/v1/lessons/{slug}/files/", {
            "file": SimpleUploadedFile("x.jpg", cat_photos[0].read_bytes()), "name": name}, format="multipart")
        assert refused.status_code == 400 and refused.json()["field"] == "name", name
    bad = client.post(f"/api/v1/lessons/{slug}/files/", {"file": SimpleUploadedFile("x.jpg", b"not an image")},
                      format="multipart")
    assert bad.status_code in (400, 415) and not any(media_root.rglob("*.*"))
    good = client.post(f"/api/v1/lessons/{slug}/files/",
                       {"file": SimpleUploadedFile("gato.jpg", cat_photos[0].read_bytes())}, format="multipart")
    assert good.status_code == 201 and good.json()["name"] == "gato.jpg"
    client.patch(f"/api/v1/lessons/{slug}/", {"language": "es", "body": "![un gato](lesson:gato.jpg)"}, format="json")
    html = client.get(f"/api/v1/lessons/{slug}/?lang=es").json()["html"]
    assert f'src="/lessons/{slug}/files/gato.jpg"' in html
    page = APIClient()
    page.force_login(teacher)
    assert page.get(f"/lessons/{slug}/files/gato.jpg").status_code == 200


def test_the_course_loads_idempotently_and_updates_changed_files(db, tmp_path):
    first = load_course()
    assert first["created"] == len(read_course()) >= 12 and first["updated"] == 0
    assert load_course() == {"created": 0, "updated": 0, "unchanged": first["created"]}
    assert Lesson.objects.filter(builtin=True, status="published").count() == first["created"]
    folder = tmp_path / "course"
    (folder / "01-intro").mkdir(parents=True)
    for language in ("es", "en"):
        (folder / "01-intro" / f"{language}.md").write_text(f"# Título {language}\n\nNuevo texto.\n", "utf-8")
    assert load_course(folder)["updated"] == 1
    assert Lesson.objects.get(slug="intro").title_en == "Título en"


def test_every_built_in_chapter_is_complete_in_both_languages():
    assert check_course() == []
    slugs = [lesson.slug for lesson in read_course()]
    # chapter 02 holds two lessons, in slug order: "cnn" before "labeling" (as Lesson.Meta.ordering lists them)
    assert slugs[:10] == ["intro", "cnn", "labeling", "augmentation", "overfitting", "cross-validation",
                          "fine-tuning", "pruning", "quantization", "onnx"] and set(slugs[10:12]) == {"ci", "cloud"}
    assert slugs[12:] == ["edge"]
    for lesson in read_course():
        assert "## para saber más" in lesson.bodies["es"].lower(), lesson.slug
        assert "## further reading" in lesson.bodies["en"].lower(), lesson.slug


def test_check_course_finds_parity_problems(tmp_path):
    folder = tmp_path / "01-intro"
    folder.mkdir()
    (folder / "es.md").write_text("# T\n\n::: widget analyze\n:::\n", "utf-8")
    (folder / "en.md").write_text("# T\n\n::: widget cam\n:::\n", "utf-8")
    problems = check_course(tmp_path)
    assert any("differ" in problem for problem in problems) and any("no exercise" in problem for problem in problems)


def test_the_list_and_pages_work_for_students(db, student, classroom):
    load_course()
    client = APIClient()
    client.force_login(student)
    listing = client.get("/api/v1/lessons/?lang=en").json()
    intro = next(row for row in listing if row["slug"] == "intro")
    assert intro["language"] == "en" and intro["widgets"] and intro["quiz_questions"] >= 5
    assert client.get("/lessons/").status_code == 200
    page = client.get("/lessons/intro/")
    assert page.status_code == 200 and b'data-widget="' in page.content
    assert Progress.objects.get(user=student, lesson__slug="intro").read_at is not None
    assert client.get("/api/v1/lessons/?lang=xx").status_code == 400
    assert APIClient().get("/lessons/").status_code == 302  # log in first


@pytest.fixture
def scored_class(active_model, classroom, teacher, cat_photos, dog_photos):
    """Eight real photos of the class, settled from their folders (one cat filed as a dog on purpose) and
    scored by the pretrained model."""
    from django.conf import settings

    from classifier.images import read_image
    from classifier.services import store_image
    from labeling.models import DATASET_LABELER, ClassImage, Label
    from labeling.scoring import score_class

    photos = [(path, "cat") for path in cat_photos[:4]] + [(path, "dog") for path in dog_photos[:4]]
    photos[0] = (photos[0][0], "dog")
    for path, label in photos:
        image = store_image(read_image(path.read_bytes(), max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES,
                                       max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS), user=teacher, written=[])
        ClassImage.objects.create(classroom=classroom, image=image)
        Label.objects.create(classroom=classroom, image=image, labeler=DATASET_LABELER, value=label, strategy="random")
    score_class(classroom=classroom)
    return classroom


GENERATED = """Texto.

::: question model-mistake
:::

::: question test-accuracy
tolerance: 0.5
:::
"""


def test_which_photo_did_your_model_get_wrong_is_made_from_the_class_and_kept_until_answered(
    scored_class, teacher
):
    from lessons import widget_data
    from lessons.models import GeneratedQuestion

    client = client_for(teacher)
    slug = client.post("/api/v1/lessons/", {"title": "Errores", "topic": "fine-tuning", "language": "es",
                                            "body": GENERATED}, format="json").json()["slug"]
    wrong_ids = {pk for pk, _truth, _answer in widget_data.active_model_mistakes(scored_class)}
    right_ids = set(widget_data.active_model_right_answers(scored_class))
    assert wrong_ids and len(right_ids) >= 3

    first = client.get(f"/api/v1/lessons/{slug}/?lang=es").json()
    question = first["questions"][0]
    assert question["kind"] == "model-mistake" and len(question["images"]) == 4
    shown = [int(url.rstrip("/").split("/")[-2]) for url in question["images"]]
    assert len([pk for pk in shown if pk in wrong_ids]) == 1 and len([pk for pk in shown if pk in right_ids]) == 3
    assert client.get(f"/api/v1/lessons/{slug}/?lang=es").json()["questions"][0]["images"] == question["images"]
    wrong_choice = next(index for index, pk in enumerate(shown) if pk in wrong_ids)

    accuracy, count = widget_data.active_model_test_accuracy(scored_class)
    assert count == 8
    result = client.post(f"/api/v1/lessons/{slug}/quiz/",
                         {"language": "es", "answers": {"q1": wrong_choice, "q2": round(100 * accuracy, 1)}},
                         format="json").json()
    assert [item["correct"] for item in result["questions"]] == [True, True]
    assert not GeneratedQuestion.objects.exists()  # the next attempt gets new photos
    unseen = client.post(f"/api/v1/lessons/{slug}/quiz/", {"language": "es", "answers": {"q2": 50}}, format="json")
    assert unseen.status_code == 400  # no page showed these questions since: nothing to grade
    client.get(f"/api/v1/lessons/{slug}/?lang=es")
    again = client.post(f"/api/v1/lessons/{slug}/quiz/", {"language": "es", "answers": {"q2": 100 * accuracy + 2}},
                        format="json").json()
    assert again["max_score"] == 2.0 and [item["correct"] for item in again["questions"]] == [False, False]


GARBAGE = [[], "texto", 7, None, {"language": ["es"]}, {"language": "es", "answers": [1, 2]},
           {"language": "es", "answers": {"q1": {"a": 1}, "q2": [[]]}}, {"classes": ["uno"]}, {"classes": [True]},
           {"title": {"x": 1}, "topic": [], "language": 5, "body": ["a"]}, {"body": "\x00"}]


@pytest.mark.parametrize("payload", GARBAGE)
def test_no_input_makes_the_lessons_api_fail(draft, teacher, classroom, payload):
    client = client_for(teacher)
    slug = draft.json()["slug"]
    for method, url in [("post", "/api/v1/lessons/"), ("patch", f"/api/v1/lessons/{slug}/"),
                        ("post", f"/api/v1/lessons/{slug}/publish/"), ("post", f"/api/v1/lessons/{slug}/quiz/"),
                        ("post", "/api/v1/lessons/preview/"), ("post", f"/api/v1/lessons/{slug}/exercises/e1/done/"),
                        ("post", f"/api/v1/lessons/{slug}/exercises/%3Cscript%3E/done/")]:
        response = getattr(client, method)(url, payload, format="json")
        assert response.status_code < 500, (method, url, response.status_code)
        if response.status_code >= 400:
            assert response.json()["detail"], (method, url)
    for query in ("?run=-1", "?run=latest&run=7", "?run=%00", "?mistakes=1e9", "?colour=red"):
        response = client.get(f"/api/v1/classes/{classroom.pk}/widgets/curves/{query}")
        assert 400 <= response.status_code < 500, (query, response.status_code)
    assert client.get(f"/api/v1/classes/{classroom.pk}/widgets/nope/").status_code == 404
    assert client.get(f"/api/v1/lessons/{slug}/?lang=%00").status_code == 400
    assert Lesson.objects.count() == 1


def test_the_class_table_gives_the_best_attempts_own_maximum(draft, teacher, classroom, student):
    """The maximum moves when a question made from the class's data appears: the table pairs a best score with
    the maximum of that same attempt, as the student's own page does."""
    lesson = Lesson.objects.get(slug=draft.json()["slug"])
    client_for(teacher).post(f"/api/v1/lessons/{lesson.slug}/publish/", {"classes": [classroom.pk]}, format="json")
    QuizAttempt.objects.create(user=student, lesson=lesson, classroom=classroom, language="es", score=3, max_score=4)
    QuizAttempt.objects.create(user=student, lesson=lesson, classroom=classroom, language="es", score=2, max_score=5)
    row = next(row for row in client_for(teacher).get(f"/api/v1/classes/{classroom.pk}/progress/").json()
               if row["lesson"] == lesson.slug)
    assert (row["best_score"], row["max_score"], row["attempts"]) == (3.0, 4.0, 2)
