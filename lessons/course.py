"""The built-in course: Markdown files in `lessons/course/NN-slug/{es,en}.md`, checked and loaded idempotently."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone, translation

from lessons import quiz
from lessons.rendering import WidgetUse, parse_lesson
from lessons.syllabus import TOPICS

COURSE_DIR = Path(__file__).resolve().parent / "course"
FOLDER = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$")
MIN_QUESTIONS = 5


class CourseError(ValueError):
    pass


@dataclass(frozen=True)
class CourseLesson:
    slug: str
    order: int
    titles: dict[str, str]
    bodies: dict[str, str]


def read_course(folder: Path = COURSE_DIR) -> list[CourseLesson]:
    return [_read_lesson(path) for path in _lesson_folders(folder)]


def _lesson_folders(folder: Path) -> list[Path]:
    return [path for path in sorted(folder.iterdir()) if path.is_dir() and FOLDER.match(path.name)] \
        if folder.is_dir() else []


def _read_lesson(path: Path) -> CourseLesson:
    match = FOLDER.match(path.name)
    titles, bodies = {}, {}
    for language in ("es", "en"):
        file = path / f"{language}.md"
        if not file.is_file():
            raise CourseError(f"{file}: missing")
        first, _newline, rest = file.read_text("utf-8").partition("\n")
        if not first.startswith("# ") or not first[2:].strip():
            raise CourseError(f"{file}: the first line must be '# Title'")
        titles[language], bodies[language] = first[2:].strip(), rest.rstrip() + "\n"
    return CourseLesson(match.group(2), int(match.group(1)), titles, bodies)


def check_course(folder: Path = COURSE_DIR) -> list[str]:
    """Every problem of the course files: syntax, what each chapter must have, and es/en parity."""
    problems, lessons = [], []
    for path in _lesson_folders(folder):
        try:
            lessons.append(_read_lesson(path))
        except CourseError as error:
            problems.append(str(error))
    for lesson in lessons:
        where = f"{lesson.order:02d}-{lesson.slug}"
        if lesson.slug not in TOPICS:
            problems.append(f"{where}: '{lesson.slug}' is not a syllabus topic (lessons/syllabus.py)")
        shapes = {}
        for language, body in lesson.bodies.items():
            with translation.override(language):
                parsed = parse_lesson(body)
                # +1: the title line was taken off the file
                problems += [f"{where}/{language}.md line {problem.line + 1}: {problem.message}"
                             for problem in parsed.problems]
            if not parsed.widgets:
                problems.append(f"{where}/{language}.md: no widget")
            if not parsed.exercises:
                problems.append(f"{where}/{language}.md: no exercise")
            written = [question for question in parsed.questions if not question.generated]
            if len(written) < MIN_QUESTIONS:
                problems.append(f"{where}/{language}.md: {len(written)} written questions, at least {MIN_QUESTIONS}")
            shapes[language] = shape(parsed)
        if shapes.get("es") != shapes.get("en"):
            problems.append(f"{where}: es.md and en.md differ in their widgets, exercises or questions: "
                            f"{_first_difference(shapes['es'], shapes['en'])}")
    return problems


def shape(parsed) -> list[tuple]:
    """What must be the same in both languages: directives in order, options and answers (not texts)."""
    rows = []
    for block in parsed.blocks:
        if isinstance(block, WidgetUse):
            rows.append(("widget", block.widget.name, tuple(sorted(block.options.items()))))
        elif isinstance(block, quiz.Question):
            answer = None if block.kind == "text" else block.answer
            rows.append(("question", block.kind, tuple(choice.correct for choice in block.choices), answer,
                         block.tolerance))
        elif block is not None and hasattr(block, "kind"):
            rows.append(("exercise", block.kind, tuple(sorted(block.options.items()))))
    return rows


def _first_difference(spanish: list, english: list) -> str:
    for index, (left, right) in enumerate(zip(spanish, english)):
        if left != right:
            return f"directive {index + 1}: es {left} / en {right}"
    return f"es has {len(spanish)} directives, en {len(english)}"


@transaction.atomic
def load_course(folder: Path = COURSE_DIR) -> dict[str, int]:
    """Create or update the built-in lessons from the files; a lesson whose files did not change is left
    alone. Returns how many were created, updated and unchanged."""
    from lessons.models import Lesson

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for item in read_course(folder):
        values = {"topic": item.slug, "order": item.order, "builtin": True, "status": Lesson.Status.PUBLISHED,
                  "author": None, "title_es": item.titles["es"], "title_en": item.titles["en"],
                  "body_es": item.bodies["es"], "body_en": item.bodies["en"]}
        lesson = Lesson.objects.filter(slug=item.slug).first()
        if lesson is None:
            Lesson.objects.create(slug=item.slug, **values)
            counts["created"] += 1
        elif any(getattr(lesson, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(lesson, key, value)
            lesson.updated_at = timezone.now()
            lesson.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts
