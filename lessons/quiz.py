"""Quiz questions written in a lesson (`::: question TYPE`), and grading a student's answers.

Pure: no database. Questions generated from the class's data are described here (their kinds and
options) and instantiated in lessons/generated.py. The right answers and the feedback stay on the server:
`public()` is all a page gets before the student answers.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from lessons.directives import Directive, Problem
from lessons.options import Number, parse_options

WRITTEN_KINDS = ("choice", "truefalse", "number", "text")
GENERATED_KINDS = ("model-mistake", "test-accuracy", "labeled-count")
_CHOICE_LINE = re.compile(r"^\s*[-*]\s*\[( |x|X)\]\s*(.*?)\s*$")
_FEEDBACK_SEPARATOR = "::"  # "- [x] option :: feedback"


@dataclass
class ChoiceOption:
    text: str
    correct: bool
    feedback: str = ""


@dataclass
class Question:
    id: str
    kind: str
    line: int
    text: str = ""
    choices: list[ChoiceOption] = field(default_factory=list)
    answer: object = None  # truefalse: bool; number: float; text: list of accepted answers
    tolerance: float = 0.0
    right: str = ""
    wrong: str = ""
    images: list[str] = field(default_factory=list)  # generated "which photo" questions: one URL per choice

    @property
    def generated(self) -> bool:
        return self.kind in GENERATED_KINDS

    @property
    def multiple(self) -> bool:
        return self.kind == "choice" and sum(choice.correct for choice in self.choices) > 1

    def public(self) -> dict:
        """What the page shows before the student answers: no right answer, no feedback."""
        return {"id": self.id, "kind": self.kind, "text": self.text, "multiple": self.multiple,
                "choices": [choice.text for choice in self.choices], "images": self.images}


@dataclass
class Graded:
    id: str
    correct: bool
    feedback: list[str]
    right_answer: str


class AnswerError(ValueError):
    """An answer of the wrong shape (not a number, an option that does not exist): a 400, not a wrong answer."""


def parse(directive: Directive, number: int) -> tuple[Question | None, list[Problem]]:
    """The question of a `::: question KIND` directive (number: its position in the quiz, from 1)."""
    line = directive.line
    kind = directive.name
    if kind in GENERATED_KINDS:
        spec = {"tolerance": Number(0, 100, 1 if kind == "test-accuracy" else 0, integer=False)} \
            if kind != "model-mistake" else {}
        values, problems = parse_options(spec, directive.options)
        return (Question(f"q{number}", kind, line, tolerance=values.get("tolerance", 0.0)),
                [Problem(line, problem) for problem in problems])
    if kind not in WRITTEN_KINDS:
        known = ", ".join(WRITTEN_KINDS + GENERATED_KINDS)
        return None, [Problem(line, _("unknown question type “%(kind)s”; types: %(known)s")
                              % {"kind": kind, "known": known})]
    problems: list[Problem] = []
    question = Question(f"q{number}", kind, line)
    allowed = {"choice": (), "truefalse": ("answer",), "number": ("answer", "tolerance"), "text": ("answer",)}[kind]
    for key, value in directive.options.items():
        if key in ("right", "wrong"):
            setattr(question, key, value)
        elif key not in allowed:
            problems.append(Problem(line, _("unknown option “%(key)s” for a %(kind)s question")
                                    % {"key": key, "kind": kind}))
    body = directive.body.split("\n") if directive.body else []
    if kind == "choice":
        text_lines = [row for row in body if not _CHOICE_LINE.match(row)]
        for row in body:
            match = _CHOICE_LINE.match(row)
            if match:
                text, _separator, feedback = match.group(2).partition(_FEEDBACK_SEPARATOR)
                question.choices.append(ChoiceOption(text.strip(), match.group(1) != " ", feedback.strip()))
        question.text = "\n".join(text_lines).strip()
        if len(question.choices) < 2:
            problems.append(Problem(line, _("a choice question needs at least two options, one per line: "
                                            "“- [x] right” or “- [ ] wrong”")))
        elif not any(choice.correct for choice in question.choices):
            problems.append(Problem(line, _("mark at least one right option with [x]")))
    else:
        question.text = directive.body.strip()
        problems += _parse_answer(question, directive.options)
    if not question.text:
        problems.append(Problem(line, _("write the question after its options, separated by a blank line")))
    return question, problems


def _parse_answer(question: Question, options: dict[str, str]) -> list[Problem]:
    line, answer = question.line, options.get("answer", "").strip()
    if not answer:
        return [Problem(line, _("write the right answer in an option line “answer: ...”"))]
    if question.kind == "truefalse":
        if answer.lower() not in ("true", "false"):
            return [Problem(line, _("the answer of a true/false question is true or false"))]
        question.answer = answer.lower() == "true"
    elif question.kind == "number":
        try:
            question.answer = _number(answer)
            question.tolerance = abs(_number(options.get("tolerance", "0")))
        except AnswerError:
            return [Problem(line, _("the answer and the tolerance of a number question are numbers"))]
    else:
        question.answer = [part.strip() for part in answer.split("|") if part.strip()]
    return []


def _number(text) -> float:
    if isinstance(text, bool):
        raise AnswerError(_("write a number"))
    if isinstance(text, int | float):
        return float(text)
    try:
        return float(str(text).strip().replace(" ", "").replace(",", "."))
    except ValueError:
        raise AnswerError(_("write a number")) from None


def normalise(text: str) -> str:
    """For short-text answers: case, accents, surrounding punctuation and extra spaces do not matter."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.strip(" .,;:!?¡¿\"'").split())


def grade(question: Question, given) -> Graded:
    """Grade one answer (None: not answered). Raise AnswerError for an answer of the wrong shape."""
    if given is None or given == "" or given == []:
        return Graded(question.id, False, [_("Not answered.")], _right_answer(question))
    if question.kind in ("choice", "model-mistake"):
        correct, feedback = _grade_choice(question, given)
    elif question.kind == "truefalse":
        if not isinstance(given, bool):
            raise AnswerError(_("answer true or false"))
        correct, feedback = given == question.answer, []
    elif question.kind in ("number", "test-accuracy", "labeled-count"):
        correct, feedback = abs(_number(given) - question.answer) <= question.tolerance + 1e-9, []
    else:
        if not isinstance(given, str) or len(given) > 500:
            raise AnswerError(_("write a short text"))
        correct, feedback = normalise(given) in {normalise(answer) for answer in question.answer}, []
    general = question.right if correct else question.wrong
    return Graded(question.id, correct, [*feedback, *([general] if general else [])], _right_answer(question))


def _grade_choice(question: Question, given) -> tuple[bool, list[str]]:
    chosen = given if isinstance(given, list) else [given]
    if not all(isinstance(index, int) and not isinstance(index, bool) for index in chosen):
        raise AnswerError(_("choose options by their number"))
    if any(not 0 <= index < len(question.choices) for index in chosen):
        raise AnswerError(_("that option does not exist"))
    if not question.multiple and len(chosen) > 1:
        raise AnswerError(_("choose one option"))
    right = {index for index, choice in enumerate(question.choices) if choice.correct}
    feedback = [question.choices[index].feedback for index in sorted(set(chosen)) if question.choices[index].feedback]
    return set(chosen) == right, feedback


def _right_answer(question: Question) -> str:
    if question.kind in ("choice", "model-mistake"):
        return "; ".join(choice.text for choice in question.choices if choice.correct)
    if question.kind == "truefalse":
        return _("true") if question.answer else _("false")
    if question.kind in ("number", "test-accuracy", "labeled-count"):
        value = f"{question.answer:g}"
        return value if not question.tolerance else f"{value} ± {question.tolerance:g}"
    return " | ".join(question.answer or [])
