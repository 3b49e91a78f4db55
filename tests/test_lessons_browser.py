"""In Debian's Chromium: a student opens Aprende, reads chapter 1, analyzes a photo in its widget and takes its
quiz (graded on the server); the pages at desktop and phone width are saved as screenshots."""
import pytest
from PIL import Image

from lessons.course import read_course
from tests.conftest import session_for

pytestmark = pytest.mark.browser


def right_answers(lesson) -> dict:
    from lessons.rendering import parse_lesson

    answers = {}
    for question in parse_lesson(lesson.body_es).questions:
        if question.kind == "choice":
            answers[question.id] = [index for index, choice in enumerate(question.choices) if choice.correct]
        elif question.kind in ("truefalse", "number"):
            answers[question.id] = question.answer
        elif question.kind == "text":
            answers[question.id] = question.answer[0]
    return answers


def test_student_reads_a_chapter_uses_its_analyze_widget_and_takes_its_quiz(
    live_server, transactional_db, active_model, student, classroom, course, tmp_path, artifacts_dir, browser_page
):
    import skimage.data

    from lessons.models import Lesson, Progress, QuizAttempt

    photo = tmp_path / "chelsea.jpg"
    Image.fromarray(skimage.data.chelsea()).save(photo, quality=92)
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(student), "url": live_server.url}])
    page.goto(f"{live_server.url}/lessons/")
    assert page.locator("nav .nav-link.active").inner_text().strip() == "Aprende"
    page.click("#course a[href='/lessons/intro/']")
    page.wait_for_selector("[data-widget=analyze][data-mounted=true]")
    page.screenshot(path=str(artifacts_dir / "desktop-es-lesson-intro.png"), full_page=True)

    page.set_input_files("[data-widget=analyze] input[type=file]", str(photo))
    page.wait_for_selector("[data-widget=analyze] .widget-body[data-state=answered]", timeout=30_000)
    assert "gato" in page.locator("[data-widget=analyze]").inner_text().lower()

    lesson = Lesson.objects.get(slug="intro")
    answers = right_answers(lesson)
    first = next(iter(answers))
    for question_id, answer in answers.items():
        if question_id == first:
            continue  # one wrong on purpose: its feedback must show
        if isinstance(answer, list):
            for index in answer:
                page.check(f"#{question_id}-{index}")
        elif isinstance(answer, bool):
            page.check(f"#{question_id}-{'true' if answer else 'false'}")
        else:
            page.fill(f"#{question_id}-answer", str(answer).replace(".", ","))
    page.click("#lesson-quiz button[type=submit]")
    page.wait_for_selector("#quiz-result.alert-info")
    total = len(answers)
    assert page.text_content("#quiz-result").startswith(f"{total - 1} de {total}")
    assert "border-danger" in page.get_attribute(f"fieldset[data-question={first}]", "class")
    assert page.locator(f"fieldset[data-question={first}] .question-feedback").inner_text().strip()
    attempt = QuizAttempt.objects.get(user=student, lesson=lesson)
    assert (attempt.score, attempt.max_score) == (total - 1, total)
    assert Progress.objects.get(user=student, lesson=lesson).read_at is not None
    page.screenshot(path=str(artifacts_dir / "desktop-es-lesson-intro-quiz.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("[data-widget=analyze][data-mounted=true]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir / "phone-es-lesson-intro.png"), full_page=True)


def test_teacher_previews_a_lesson_with_a_bad_widget_and_sees_the_problem(
    live_server, transactional_db, teacher, classroom, course, artifacts_dir, browser_page
):
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session_for(teacher), "url": live_server.url}])
    page.goto(f"{live_server.url}/lessons/new/")
    page.fill("#id_body", "Hola **clase**.\n\n::: widget nope\n:::\n")
    page.wait_for_selector("#preview-problems.alert-warning")
    assert "nope" in page.text_content("#preview-problems")
    assert page.locator("#preview strong").inner_text() == "clase"
    page.screenshot(path=str(artifacts_dir / "desktop-es-lesson-editor.png"), full_page=True)
    page.fill("#id_body", "<img src=x onerror=\"document.title='hacked'\"> Hola.")
    page.wait_for_selector("#preview-problems.alert-success")
    assert page.title() != "hacked" and page.locator("#preview img").count() == 0
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/lessons/")
    assert page.locator("#course tr[data-lesson]").count() == len(read_course())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir / "phone-es-lessons.png"), full_page=True)
