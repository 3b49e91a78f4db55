"""Lesson text -> safe HTML: the sanitiser, the directives, the widget registry and the quiz syntax."""
from html.parser import HTMLParser

import pytest
from django.utils import translation

from lessons import quiz
from lessons.directives import split
from lessons.rendering import Reader, parse_lesson, render_lesson


def html_of(text: str, **reader) -> str:
    return str(render_lesson(text, Reader(**reader)).html)


class MarkupFinder(HTMLParser):
    """Every element and attribute of an HTML fragment (text shown as text is harmless)."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def dangerous_markup(html: str) -> list:
    finder = MarkupFinder()
    finder.feed(html)
    problems = []
    for tag, attrs in finder.found:
        if tag in ("script", "iframe", "svg", "style", "object", "embed", "form", "input") and "lesson-quiz" not in str(attrs):
            problems.append(tag)
        for name, value in attrs.items():
            value = (value or "").strip().lower()
            if name.startswith("on") or name == "style":
                problems.append(f"{tag}[{name}]")
            if name in ("href", "src") and (value.startswith(("javascript:", "data:", "vbscript:"))
                                            or (name == "src" and not value.startswith(("/lessons/", "/classes/",
                                                                                         "/static/")))):
                problems.append(f"{tag}[{name}={value}]")
    return problems


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "Hola <img src=x onerror=alert(1)>",
    "[clic](javascript:alert(1))",
    "[clic](JaVaScRiPt:alert(1))",
    "[clic](  javascript:alert(1))",
    "[clic](&#106;avascript:alert(1))",
    "<iframe src='https://example.com'></iframe>",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href='javascript:alert(1)'>x</a>",
    "*<script>*alert(1)*</script>*",
    "> <svg onload=alert(1)>",
    "`code` <style>body{}</style> <div style='background:url(javascript:alert(1))'>x</div>",
    "[a](<javascript:alert(1)>)",
    "![x](https://evil.example/track.png)",
    "- [ ] <img src=x onerror=alert(1)>",
])
def test_nothing_dangerous_reaches_the_page(db, text):
    html = html_of(text)
    assert dangerous_markup(html) == [], html


def test_dangerous_text_inside_directives_is_escaped_too(db):
    html = html_of("::: question choice\n<script>alert(1)</script> ¿Qué?\n- [x] <img src=x onerror=alert(1)> sí\n"
                   "- [ ] no\n:::\n\n::: exercise manual\n\n<iframe src=x></iframe> Hazlo.\n:::")
    assert dangerous_markup(html) == [], html
    assert "&lt;script&gt;" in html  # shown as text


def test_markdown_renders_what_teachers_write():
    html = html_of("# Título\n\nTexto con **negrita**, `código` y [enlace](https://scikit-learn.org).\n\n"
                   "| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h1>Título</h1>" in html and "<strong>negrita</strong>" in html and "<code>código</code>" in html
    assert '<a href="https://scikit-learn.org" rel="noopener noreferrer nofollow">enlace</a>' in html
    assert "<table>" in html and "<td>1</td>" in html


def test_directive_lines_inside_code_blocks_stay_text():
    blocks, problems = split("```\n::: widget nope\n:::\n```\n")
    assert problems == [] and len(blocks) == 1 and "::: widget nope" in blocks[0].text


@pytest.mark.parametrize("text, expected", [
    ("::: widget nope\n:::", "unknown widget “nope”"),
    ("::: widget curves\nrun: yesterday\n:::", "option “run”"),
    ("::: widget confusion\nmistakes: 99\n:::", "between 0 and 24"),
    ("::: widget analyze\ncolour: red\n:::", "unknown option “colour”"),
    ("::: widget analyze\n", "not closed"),
    ("::: gadget analyze\n:::", "unknown directive “gadget”"),
    ("::: widget\n:::", "name the widget"),
    ("::: exercise label\ncount: many\n\nEtiqueta.\n:::", "whole number"),
    ("::: exercise dance\n\nBaila.\n:::", "unknown exercise “dance”"),
    ("::: question choice\n¿Sí?\n- [ ] a\n- [ ] b\n:::", "mark at least one right option"),
    ("::: question choice\n¿Sí?\n- [x] a\n:::", "at least two options"),
    ("::: question number\nanswer: mucho\n\n¿Cuánto?\n:::", "are numbers"),
    ("::: question truefalse\nanswer: maybe\n\n¿Sí?\n:::", "true or false"),
    ("::: question essay\n\n¿Por qué?\n:::", "unknown question type “essay”"),
    ("::: widget analyze\n::: widget cam\n:::", "do not nest"),
])
def test_problems_name_what_is_wrong_and_where(text, expected):
    with translation.override("en"):
        problems = [str(problem) for problem in parse_lesson("Intro\n\n" + text).problems]
    assert any(expected in problem for problem in problems), problems
    assert all(problem.startswith("line ") for problem in problems)


def test_a_bad_widget_never_breaks_the_page(db):
    with translation.override("en"):
        rendered = render_lesson("Antes.\n\n::: widget nope\n:::\n\nDespués.", Reader())
    assert "Antes." in rendered.html and "Después." in rendered.html and "lesson-directive-problem" in rendered.html
    assert rendered.problems


def test_problems_are_worded_in_the_readers_language():
    with translation.override("es"):
        spanish = str(parse_lesson("::: widget nope\n:::").problems[0])
    with translation.override("en"):
        english = str(parse_lesson("::: widget nope\n:::").problems[0])
    assert "widget desconocido" in spanish.lower() or "desconocid" in spanish.lower()
    assert "unknown widget" in english


def test_widgets_get_their_options_and_the_readers_class_data_url(db, classroom, student):
    html = html_of("::: widget curves\nrun: 7\n:::\n\n::: widget analyze\n:::", user=student, classroom=classroom)
    assert 'data-widget="curves"' in html and f"/api/v1/classes/{classroom.pk}/widgets/curves/?run=7" in html
    assert 'data-widget="analyze"' in html and "js/widgets/analyze.js" in html


def test_a_reader_without_a_class_is_told_to_join_one(db):
    with translation.override("en"):
        html = html_of("::: widget curves\n:::")
    assert "data-data-url" not in html and "widget-loading" not in html
    assert "join a class" in html.lower()


QUIZ = """Texto.

::: question choice
¿Cuál es una función de activación?
- [x] ReLU :: Sí: max(0, x).
- [ ] JPEG :: No: es un formato de imagen.
- [ ] ONNX :: No: es un formato de modelo.
:::

::: question choice
¿Cuáles son formatos de modelo?
- [x] ONNX
- [x] TFLite
- [ ] PNG :: PNG guarda imágenes.
:::

::: question truefalse
answer: false
right: Bien.
wrong: Una red más grande puede sobreajustar más.

Una red más grande siempre generaliza mejor.
:::

::: question number
answer: 0.5
tolerance: 0.05
wrong: Mira el widget.

¿Qué umbral?
:::

::: question text
answer: época | epoch

¿Cómo se llama una pasada por los datos?
:::
"""


def questions():
    return parse_lesson(QUIZ).questions


def test_quiz_questions_are_parsed_with_ids_in_order():
    parsed = parse_lesson(QUIZ)
    assert parsed.problems == []
    assert [(q.id, q.kind, q.multiple) for q in parsed.questions] == [
        ("q1", "choice", False), ("q2", "choice", True), ("q3", "truefalse", False), ("q4", "number", False),
        ("q5", "text", False)]


@pytest.mark.parametrize("index, given, correct", [
    (0, 0, True), (0, 1, False), (0, [0], True),
    (1, [0, 1], True), (1, [1, 0], True), (1, [0], False), (1, [0, 1, 2], False),
    (2, False, True), (2, True, False),
    (3, "0,5", True), (3, 0.54, True), (3, "0.56", False), (3, " 0,45 ", True),
    (4, "Época", True), (4, "  epoca. ", True), (4, "EPOCH", True), (4, "lote", False),
    (4, None, False),
])
def test_every_question_type_is_graded(index, given, correct):
    assert quiz.grade(questions()[index], given).correct is correct


def test_feedback_comes_per_answer_and_general():
    with translation.override("en"):
        first = quiz.grade(questions()[0], 1)
        assert first.feedback == ["No: es un formato de imagen."] and first.right_answer == "ReLU"
        third = quiz.grade(questions()[2], True)
        assert third.feedback == ["Una red más grande puede sobreajustar más."]
        assert quiz.grade(questions()[3], "1").right_answer == "0.5 ± 0.05"


@pytest.mark.parametrize("index, given", [
    (0, 7), (0, "0"), (0, [0, 1]), (0, True), (2, "false"), (3, "mucho"), (3, True), (4, ["a"]), (4, "x" * 501),
])
def test_answers_of_the_wrong_shape_are_refused_not_graded(index, given):
    with pytest.raises(quiz.AnswerError):
        quiz.grade(questions()[index], given)


def test_the_page_never_holds_right_answers_or_feedback(db):
    html = html_of(QUIZ)
    for secret in ("max(0, x)", "formato de imagen", "PNG guarda", "Una red más grande puede", "Mira el widget",
                   "0.05", "época |", "data-correct", "[x]"):
        assert secret not in html, secret
    assert 'name="q1"' in html and 'type="checkbox"' in html and 'form="lesson-quiz"' in html
    public = [question.public() for question in questions()]
    assert all(set(item) == {"id", "kind", "text", "multiple", "choices", "images"} for item in public)


def test_images_in_an_exercise_resolve_like_the_rest_of_the_lesson(db):
    with translation.override("en"):
        rendered = render_lesson("::: exercise manual\n\nMira ![foto](dataset:999) y ![x](https://x.org/a.png).\n:::",
                                 Reader())
    messages = " ".join(str(problem) for problem in rendered.problems)
    assert "not in your class" in messages and "lesson:NAME" in messages and "<img" not in rendered.html


def test_lesson_images_come_only_from_the_lesson_or_the_class(db):
    with translation.override("en"):
        rendered = render_lesson("![gato](lesson:gato.jpg) ![foto](dataset:999) ![web](https://x.org/a.png)", Reader())
    messages = " ".join(str(problem) for problem in rendered.problems)
    assert "no file with this name" in messages and "not in your class" in messages and "lesson:NAME" in messages
    assert "<img" not in rendered.html
