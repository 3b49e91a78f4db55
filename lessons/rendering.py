"""A lesson's text -> its parts (Markdown, widgets, exercises, questions) and the reader's safe HTML.

`parse_lesson` needs no reader and is cached by text: it is what publishing checks, the course checker runs
and the lesson list counts. `render_lesson` binds the parts to the reader's class (images, widget data URLs,
exercises done, generated questions) and assembles the page's HTML: the author's Markdown goes through the
sanitiser; widgets, exercises and questions come from the app's own templates, which escape what the author
wrote in them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lessons import directives, exercises, markdown, quiz, widgets
from lessons.directives import Directive, Problem


@dataclass
class WidgetUse:
    widget: widgets.Widget
    options: dict
    given: dict[str, str]
    line: int


@dataclass
class ParsedLesson:
    blocks: list  # Markdown, WidgetUse, exercises.Exercise, quiz.Question, or None (a directive with problems)
    problems: list[Problem] = field(default_factory=list)

    @property
    def widgets(self) -> list[WidgetUse]:
        return [block for block in self.blocks if isinstance(block, WidgetUse)]

    @property
    def exercises(self) -> list[exercises.Exercise]:
        return [block for block in self.blocks if isinstance(block, exercises.Exercise)]

    @property
    def questions(self) -> list[quiz.Question]:
        return [block for block in self.blocks if isinstance(block, quiz.Question)]

    @property
    def widget_names(self) -> list[str]:
        return list(dict.fromkeys(use.widget.name for use in self.widgets))


def parse_lesson(text: str) -> ParsedLesson:
    """The lesson's parts and every problem that blocks publishing (with its line). Do not mutate the result."""
    return _parse(text, get_language())  # problems are worded in the request's language


@lru_cache(maxsize=256)
def _parse(text: str, language: str) -> ParsedLesson:
    blocks, problems = directives.split(text)
    parsed = ParsedLesson([], problems)
    counted = {"exercise": 0, "question": 0}  # ids by position, whether or not a directive has problems
    for block in blocks:
        if not isinstance(block, Directive):
            parsed.blocks.append(block)
            continue
        if block.kind == "widget":
            widget, values, widget_problems = widgets.resolve(block.name, block.options)
            parsed.problems += [Problem(block.line, problem) for problem in widget_problems]
            if widget is not None and block.body:
                parsed.problems.append(Problem(block.line, _("a widget has options only, no text: write the "
                                                             "text before or after it")))
            parsed.blocks.append(WidgetUse(widget, values, dict(block.options), block.line)
                                 if widget is not None and not widget_problems else None)
        elif block.kind == "exercise":
            counted["exercise"] += 1
            exercise, exercise_problems = exercises.parse(block, counted["exercise"])
            parsed.problems += exercise_problems
            parsed.blocks.append(exercise if exercise is not None and not exercise_problems else None)
        else:
            counted["question"] += 1
            question, question_problems = quiz.parse(block, counted["question"])
            parsed.problems += question_problems
            parsed.blocks.append(question if question is not None and not question_problems else None)
    parsed.problems.sort(key=lambda problem: problem.line)
    return parsed


@dataclass
class Reader:
    """Who reads, in which class, and what the page binds to: the lesson's files, the exercises they have
    done, and the questions generated for them (None: the class has no data for it yet)."""

    user: object = None
    classroom: object = None
    lesson: object = None
    done: set[str] = field(default_factory=set)
    generated: dict[str, quiz.Question | None] = field(default_factory=dict)
    preview: bool = False


@dataclass
class RenderedLesson:
    html: str
    problems: list[Problem]
    parsed: ParsedLesson
    questions: list[quiz.Question]  # as the reader sees them (generated ones instantiated, missing ones out)


def render_lesson(text: str, reader: Reader) -> RenderedLesson:
    parsed = parse_lesson(text)
    problems = list(parsed.problems)
    parts, questions = [], []
    last_question = None  # the quiz's button goes right after the last question, before "further reading"
    for block in parsed.blocks:
        if isinstance(block, directives.Markdown):
            parts.append(markdown.render(block.text, resolve_image=lambda src: _resolve_image(src, reader),
                                         first_line=block.line, problems=problems))
        elif isinstance(block, WidgetUse):
            parts.append(_render_widget(block, reader))
        elif isinstance(block, exercises.Exercise):
            parts.append(_render_exercise(block, reader, problems))
        elif isinstance(block, quiz.Question):
            question = reader.generated.get(block.id) if block.generated else block
            if question is None:
                parts.append(render_to_string("lessons/_question_missing.html", {"question": block}))
            else:
                questions.append(question)
                parts.append(_render_question(question, reader))
            last_question = len(parts)
        elif block is None:
            parts.append(render_to_string("lessons/_directive_problem.html"))
    if questions:
        parts.insert(last_question, render_to_string("lessons/_quiz_submit.html", {"preview": reader.preview}))
    problems.sort(key=lambda problem: problem.line)
    return RenderedLesson(mark_safe("\n".join(parts)), problems, parsed, questions)


def _resolve_image(src: str, reader: Reader) -> tuple[str | None, str | None]:
    scheme, _colon, reference = src.partition(":")
    if scheme == "lesson" and reference:
        lesson = reader.lesson
        if lesson is not None and lesson.pk and lesson.files.filter(name=reference).exists():
            return reverse("lessons:file", kwargs={"slug": lesson.slug, "name": reference}), None
        return None, markdown.image_problem("missing_file")
    if scheme == "dataset" and reference.isdigit():
        from labeling import selectors as labeling

        classroom = reader.classroom
        if classroom is not None and labeling.pictures(classroom).filter(pk=int(reference)).exists():
            return reverse("labeling:image-file", kwargs={"class_id": classroom.pk, "pk": int(reference)}), None
        return None, markdown.image_problem("not_in_class")
    return None, markdown.image_problem("scheme")


def _render_widget(use: WidgetUse, reader: Reader) -> str:
    widget, classroom = use.widget, reader.classroom
    data_url = None
    if widget.has_data and classroom is not None:
        data_url = reverse("api:lesson-widget-data", kwargs={"class_id": classroom.pk, "name": widget.name})
        query = {key: str(value).lower() if isinstance(value, bool) else value for key, value in use.options.items()}
        data_url += "?" + urlencode(query) if query else ""
    return render_to_string(widgets.FRAME_TEMPLATE, {
        "widget": widget, "options_json": json.dumps(use.options), "data_url": data_url,
        "needs_class": widget.has_data and classroom is None, "classroom": classroom,
    })


def _render_exercise(exercise: exercises.Exercise, reader: Reader, problems: list[Problem]) -> str:
    return render_to_string("lessons/_exercise.html", {
        "exercise": exercise, "text": mark_safe(markdown.render(
            exercise.text, resolve_image=lambda src: _resolve_image(src, reader),
            first_line=exercise.line, problems=problems)),
        "done": exercise.id in reader.done, "preview": reader.preview,
    })


def _render_question(question: quiz.Question, reader: Reader) -> str:
    return render_to_string("lessons/_question.html", {
        "question": question, "text": mark_safe(markdown.render_inline(question.text)),
        "choices": [(index, mark_safe(markdown.render_inline(choice.text)),
                     question.images[index] if index < len(question.images) else None)
                    for index, choice in enumerate(question.choices)],
        "input_type": "checkbox" if question.multiple else "radio",
        "number_kind": question.kind in ("number", "test-accuracy", "labeled-count"),
    })
