"""The course chapter `edge` (lessons/course/11-edge): it loads and renders in both languages with the lab widget
and the exercise, its quiz is graded on the server, and the `device-measurement` exercise is done only when the
reader's own measurement has a classmate's to be compared with."""
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from rest_framework.test import APIClient

from edge.models import DeviceMeasurement
from lessons import exercises, widgets
from lessons.course import COURSE_DIR, check_course, read_course
from lessons.directives import Directive
from lessons.models import Lesson
from lessons.rendering import parse_lesson
from ml_models.models import ModelVersion

# the right answer of every written question, in order (the same in both languages: check_course says so)
RIGHT = {"q1": 1, "q2": "11", "q3": "20", "q4": False, "q5": 0, "q6": 1, "q7": [0, 1, 3]}
WRONG = {"q1": 0, "q2": "13", "q3": "5", "q4": True, "q5": 1, "q6": 2, "q7": [0, 1]}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def measure(classroom, user, *, device="Portátil de Ana") -> DeviceMeasurement:
    """A measurement as the lab saves it (numbers only)."""
    version = ModelVersion.objects.first() or ModelVersion.objects.create(
        name="lite0-imagenet", version=4, kind=ModelVersion.Kind.CLASSIFIER, artifact_dir="lite0-imagenet/4",
        sha256="0" * 64)
    timing = {"p50_ms": 40.0, "p90_ms": 55.0, "bytes": 23_686_013, "agreement": 1.0, "max_probability_diff": 0.0002}
    return DeviceMeasurement.objects.create(
        classroom=classroom, user=user, model_version=version, device=device, source="test_split", images=24,
        backend="wasm", threads=4, cross_origin_isolated=True, cold_start_ms=900.0, fp32=timing,
        int8={**timing, "bytes": 6_000_000, "agreement": 0.96})


def exercise_done(user, language="es") -> bool:
    detail = client_for(user).get(f"/api/v1/lessons/edge/?lang={language}").json()
    (exercise,) = [item for item in detail["exercises_list"] if item["kind"] == "device-measurement"]
    return exercise["done"]


def test_the_chapter_is_number_11_complete_and_the_same_in_both_languages():
    assert (COURSE_DIR / "11-edge" / "es.md").is_file() and (COURSE_DIR / "11-edge" / "en.md").is_file()
    assert [problem for problem in check_course() if "edge" in problem] == []
    (lesson,) = [lesson for lesson in read_course() if lesson.slug == "edge"]
    assert lesson.order == 11
    for language in ("es", "en"):
        with translation.override(language):
            parsed = parse_lesson(lesson.bodies[language])
        assert parsed.problems == []
        assert [use.widget.name for use in parsed.widgets] == ["edge-lab"]
        assert [exercise.kind for exercise in parsed.exercises] == ["device-measurement"]
        assert len(parsed.questions) >= 5 and not any(question.generated for question in parsed.questions)
        # it builds on the quantization and ONNX chapters and links to the page it is about
        for link in ("/lessons/quantization/", "/lessons/onnx/", "/edge/"):
            assert f"]({link})" in lesson.bodies[language], (language, link)


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_chapter_renders_with_the_lab_and_the_exercise_for_a_member(course, classroom, student, language):
    lesson = Lesson.objects.get(slug="edge")
    assert lesson.builtin and lesson.order == 11 and lesson.topic == "edge"
    detail = client_for(student).get(f"/api/v1/lessons/edge/?lang={language}").json()
    assert detail["problems"] == [] and detail["title"] == lesson.text_in(language)[1]
    html = detail["html"]
    widget = re.search(r'<section class="card lesson-widget[^>]*data-widget="edge-lab"[^>]*>', html)
    assert widget and "js/widgets/edge-lab.js" in widget.group(0)
    assert f'data-data-url="/api/v1/classes/{classroom.pk}/widgets/edge-lab/"' in widget.group(0)
    assert 'data-exercise="e1"' in html
    with translation.override(language):
        assert escape(str(exercises.KINDS["device-measurement"].title)) in html
    assert [question["id"] for question in detail["questions"]] == list(RIGHT)
    # the page gets the questions, never their right answers or feedback
    assert "right" not in str(detail["questions"]) and "Eso es" not in html and "Right:" not in html


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_lesson_page_is_cross_origin_isolated_so_the_lab_gets_threads(course, classroom, student, language):
    client = Client()
    client.force_login(student)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/lessons/edge/")
    assert page.status_code == 200 and 'data-widget="edge-lab"' in page.content.decode()
    assert escape(Lesson.objects.get(slug="edge").text_in(language)[1]) in page.content.decode()
    assert page["Cross-Origin-Opener-Policy"] == "same-origin"
    assert page["Cross-Origin-Embedder-Policy"] == "require-corp"


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_quiz_is_graded_on_the_server(course, classroom, student, language):
    client = client_for(student)
    right = client.post("/api/v1/lessons/edge/quiz/", {"language": language, "answers": RIGHT}, format="json").json()
    assert right["score"] == right["max_score"] == len(RIGHT)
    assert all(question["correct"] for question in right["questions"])
    wrong = client.post("/api/v1/lessons/edge/quiz/", {"language": language, "answers": WRONG}, format="json").json()
    assert wrong["score"] == 0 and not any(question["correct"] for question in wrong["questions"])
    # now that it was answered, the right answer comes back with the feedback
    assert wrong["questions"][1]["right_answer"] == "11" and wrong["questions"][1]["feedback"]


def test_the_quiz_refuses_an_answer_of_the_wrong_shape(course, classroom, student):
    refused = client_for(student).post("/api/v1/lessons/edge/quiz/",
                                       {"language": "en", "answers": {"q1": 7}}, format="json")
    assert refused.status_code == 400 and refused.json()["code"]


def test_the_lab_widget_gets_the_class_urls_for_members_only(course, classroom, student, make_user):
    data = client_for(student).get(f"/api/v1/classes/{classroom.pk}/widgets/edge-lab/")
    assert data.status_code == 200
    body = data.json()
    assert body["class_id"] == classroom.pk and body["model_info_url"].endswith(f"?class={classroom.pk}")
    assert body["device_measurements_url"] == f"/api/v1/classes/{classroom.pk}/device-measurements/"
    assert body["test_set_url"].startswith(f"/api/v1/classes/{classroom.pk}/")
    assert client_for(make_user("eva")).get(f"/api/v1/classes/{classroom.pk}/widgets/edge-lab/").status_code == 404
    assert widgets.resolve("edge-lab", {"colour": "red"})[2]  # it takes no options


def test_the_exercise_needs_your_measurement_and_a_classmates(course, classroom, student, teacher, make_user, join):
    from eduai import classes

    assert exercise_done(student) is False
    measure(classroom, student)
    assert exercise_done(student) is False  # your own measurement alone: nobody to compare with
    measure(classroom, student, device="Teléfono de Ana")
    assert exercise_done(student) is False  # two devices of your own are still not a classmate's
    elsewhere = classes.create_class(name="2º Bach B", teacher=teacher)
    stranger = make_user("eva")
    join(stranger, elsewhere)
    measure(elsewhere, stranger, device="Portátil de Eva")
    assert exercise_done(student) is False  # a measurement in another class does not count
    luis = make_user("luis")
    join(luis, classroom)
    assert exercise_done(luis) is False  # luis has a classmate's measurement but none of his own
    measure(classroom, luis, device="Teléfono de Luis")
    assert exercise_done(student, "en") is True
    assert exercise_done(luis) is True
    DeviceMeasurement.objects.filter(user=luis).delete()  # done stays done
    assert exercise_done(student) is True


def test_a_member_who_left_the_class_is_nobody_to_compare_with(db, classroom, student, make_user, join):
    from eduai.models import Membership

    luis = make_user("luis")
    join(luis, classroom)
    measure(classroom, student)
    measure(classroom, luis, device="Teléfono de Luis")
    Membership.objects.filter(user=luis).delete()
    assert exercises.device_measurement_done(user=student, classroom=classroom) is False
    join(luis, classroom)
    assert exercises.device_measurement_done(user=student, classroom=classroom) is True
    assert exercises.device_measurement_done(user=student, classroom=None) is False


def test_the_exercise_is_checked_by_the_app_and_validated_like_every_exercise():
    exercise, problems = exercises.parse(Directive("exercise", "device-measurement", 3, {}, "Mide tu equipo."), 1)
    assert problems == [] and exercise.checked and exercise.options == {}
    with translation.override("en"):
        _exercise, problems = exercises.parse(Directive("exercise", "device-measurement", 3, {"count": "2"}, ""), 1)
        assert len(problems) == 2 and "count" in str(problems[0]) and "say what to do" in str(problems[1])


@pytest.mark.browser
def test_the_chapter_draws_its_lab_in_an_isolated_page_in_both_languages(live_server, transactional_db, active_model,
                                                                        course, classroom, student, artifacts_dir,
                                                                        browser_page):
    from tests.conftest import session_for

    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(student), "url": live_server.url}])
    for language, to_do in (("es", "Por hacer"), ("en", "To do")):
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/lessons/edge/")
        page.wait_for_selector("[data-widget=edge-lab] .widget-body[data-ready=true]", timeout=30_000)
        assert page.get_attribute("[data-widget=edge-lab] .widget-body", "data-state") != "error"
        assert page.evaluate("crossOriginIsolated") is True  # so the lab can run wasm on several threads
        assert page.locator("[data-exercise=e1] .exercise-state").inner_text().strip() == to_do
        assert page.locator("fieldset.lesson-question").count() == len(RIGHT)
        page.screenshot(path=str(artifacts_dir / f"lesson-edge-{language}.png"), full_page=True)
