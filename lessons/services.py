"""What teachers and students do with lessons: write, publish, copy, read, do exercises, answer quizzes."""
from __future__ import annotations

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rest_framework import status

from eduai import policies
from eduai.errors import AppError
from lessons import exercises, generated, quiz
from lessons.models import LANGUAGES, MAX_BODY_CHARS, Lesson, LessonFile, Progress, QuizAttempt
from lessons.rendering import Reader, parse_lesson, render_lesson
from lessons.syllabus import TOPICS

LANGUAGE_CODES = [code for code, _name in LANGUAGES]
MAX_TITLE_CHARS = 200
MAX_FILES_PER_LESSON = 50
FILE_NAME = re.compile(r"^[\w-][\w.-]{0,99}$")  # no leading dot: no "..", no hidden names


def _forbidden() -> AppError:
    return AppError("permission_denied", _("You do not have permission to do this."), status.HTTP_403_FORBIDDEN)


def _invalid(field: str, message) -> AppError:
    return AppError("invalid", message, field=field, errors={field: [str(message)]})


def _checked_text(*, title, topic, language, body) -> None:
    errors = {}
    if language not in LANGUAGE_CODES:
        errors["language"] = _("Choose es or en.")
    if title is not None and (not str(title).strip() or len(str(title)) > MAX_TITLE_CHARS):
        errors["title"] = _("Write a title of at most %(count)s characters.") % {"count": MAX_TITLE_CHARS}
    if topic is not None and topic not in TOPICS:
        errors["topic"] = _("Choose a topic of the syllabus.")
    if body is not None and len(str(body)) > MAX_BODY_CHARS:
        errors["body"] = _("The text is too long (at most %(count)s characters).") % {"count": MAX_BODY_CHARS}
    if errors:
        field = next(iter(errors))
        raise AppError("invalid", errors[field], field=field, errors={key: [value] for key, value in errors.items()})


def _unique_slug(title: str) -> str:
    base = slugify(title)[:60].strip("-") or "leccion"
    slug, number = base, 2
    while Lesson.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def create_lesson(*, author, title: str, topic: str, language: str, body: str) -> Lesson:
    """A draft in one language (the other can be added by editing)."""
    if not policies.can_author_lessons(author):
        raise _forbidden()
    _checked_text(title=title, topic=topic, language=language, body=body)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return Lesson.objects.create(slug=_unique_slug(str(title)), topic=topic, author=author,
                                             **{f"title_{language}": str(title).strip(), f"body_{language}": body})
        except IntegrityError:  # the same title at the same moment: try the next free slug
            continue
    raise AppError("conflict", _("Try again."), status.HTTP_409_CONFLICT)


def update_lesson(*, lesson: Lesson, user, language: str, title=None, topic=None, body=None) -> Lesson:
    if not policies.can_edit_lesson(user, lesson):
        raise _forbidden()
    _checked_text(title=title, topic=topic, language=language, body=body)
    if title is not None:
        setattr(lesson, f"title_{language}", str(title).strip())
    if body is not None:
        setattr(lesson, f"body_{language}", body)
    if topic is not None:
        lesson.topic = topic
    if lesson.status == Lesson.Status.PUBLISHED:
        _check_publishable(lesson)  # a published lesson stays correct
    lesson.updated_at = timezone.now()
    lesson.save()
    return lesson


def problems_of(lesson: Lesson) -> dict[str, list[str]]:
    """Every language's problems that block publishing."""
    return {code: [str(problem) for problem in parse_lesson(getattr(lesson, f"body_{code}")).problems]
            for code in lesson.languages()}


def _check_publishable(lesson: Lesson) -> None:
    if not lesson.languages():
        raise AppError("lesson_empty", _("Write the lesson's text before publishing it."))
    problems = problems_of(lesson)
    if any(problems.values()):
        raise AppError("lesson_has_problems", _("Fix the problems the preview shows before publishing."),
                       problems=problems)


@transaction.atomic
def publish_lesson(*, lesson: Lesson, user, classes) -> Lesson:
    """Publish to classes the user teaches (all at once or none)."""
    from eduai.models import Classroom

    if not policies.can_edit_lesson(user, lesson):
        raise _forbidden()
    ids = _ids(classes)
    targets = list(Classroom.objects.filter(pk__in=ids))
    if not ids:
        raise _invalid("classes", _("Choose at least one class to publish to."))
    if len(targets) != len(ids) or not all(policies.can_publish_to(user, classroom) for classroom in targets):
        raise AppError("permission_denied", _("You can publish only to classes you teach."),
                       status.HTTP_403_FORBIDDEN)
    _check_publishable(lesson)
    lesson.status = Lesson.Status.PUBLISHED
    lesson.updated_at = timezone.now()
    lesson.save()
    lesson.classes.set(targets)
    return lesson


def _ids(classes) -> list[int]:
    if not isinstance(classes, list) or not all(isinstance(value, int) and not isinstance(value, bool)
                                                 for value in classes):
        raise _invalid("classes", _("Give the classes as a list of ids."))
    return sorted(set(classes))


def unpublish_lesson(*, lesson: Lesson, user) -> Lesson:
    if not policies.can_edit_lesson(user, lesson):
        raise _forbidden()
    lesson.status = Lesson.Status.DRAFT
    lesson.updated_at = timezone.now()
    lesson.save()
    lesson.classes.clear()
    return lesson


@transaction.atomic
def copy_lesson(*, lesson: Lesson, user) -> Lesson:
    """A draft copy the user owns, with the lesson's files: the usual way to adapt a built-in lesson."""
    if not policies.can_author_lessons(user) or not policies.can_read_lesson(user, lesson):
        raise _forbidden()
    copy = Lesson.objects.create(
        slug=_unique_slug(f"{lesson.slug}-copia"), topic=lesson.topic, author=user, copied_from=lesson,
        title_es=lesson.title_es, title_en=lesson.title_en, body_es=lesson.body_es, body_en=lesson.body_en)
    LessonFile.objects.bulk_create([LessonFile(lesson=copy, name=file.name, image_id=file.image_id, uploaded_by=user)
                                    for file in lesson.files.all()])
    return copy


def delete_lesson(*, lesson: Lesson, user) -> None:
    if not policies.can_edit_lesson(user, lesson):
        raise _forbidden()
    lesson.delete()


def add_file(*, lesson: Lesson, user, upload, name: str | None = None) -> LessonFile:
    """An image for the lesson, validated like every upload; nothing is left behind if it is rejected."""
    from classifier.images import check_file_size, read_image
    from classifier.services import files_removed_on_failure, store_image

    if not policies.can_edit_lesson(user, lesson):
        raise _forbidden()
    if upload is None:
        raise _invalid("file", _("Choose an image file."))
    name = (name or getattr(upload, "name", "") or "").strip().replace(" ", "-")
    if not FILE_NAME.match(name):
        raise _invalid("name", _("Name the file with letters, digits, dots and dashes only (at most 100)."))
    if lesson.files.filter(name=name).exists():
        raise AppError("conflict", _("The lesson already has a file with this name."), status.HTTP_409_CONFLICT)
    if lesson.files.count() >= MAX_FILES_PER_LESSON:
        raise AppError("too_many_files", _("A lesson can have at most %(count)s files.") % {
            "count": MAX_FILES_PER_LESSON})
    check_file_size(upload.size, max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES)
    image = read_image(upload.read(), max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES,
                       max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
    with files_removed_on_failure() as written, transaction.atomic():
        stored = store_image(image, user=user, written=written)
        return LessonFile.objects.create(lesson=lesson, name=name, image=stored, uploaded_by=user)


# ------------------------------------------------------------------------------------------ reading

def reader_for(*, user, lesson: Lesson, classroom, language: str, preview: bool = False) -> tuple[Reader, str]:
    """The reader's binding of the lesson (exercises checked, generated questions made) and the text's language."""
    code, _title, body = lesson.text_in(language)
    parsed = parse_lesson(body)
    done = set()
    if not preview and user.is_authenticated:
        done = check_exercises(user=user, lesson=lesson, classroom=classroom, parsed=parsed)
    reader = Reader(user=user, classroom=classroom, lesson=lesson, done=done, preview=preview,
                    generated=generated.questions_for(user=user, lesson=lesson, classroom=classroom, parsed=parsed))
    return reader, code


def read_lesson(*, user, lesson: Lesson, classroom, language: str):
    """The rendered lesson for its reader; marks it read."""
    reader, code = reader_for(user=user, lesson=lesson, classroom=classroom, language=language)
    mark_read(user=user, lesson=lesson, classroom=classroom)
    return render_lesson(lesson.text_in(code)[2], reader), code


def preview(*, user, body: str, language: str, lesson: Lesson | None = None, classroom=None):
    """A text rendered as its readers would see it, nothing stored; problems listed."""
    if not policies.can_author_lessons(user):
        raise _forbidden()
    _checked_text(title=None, topic=None, language=language, body=body)
    return render_lesson(body, Reader(user=user, classroom=classroom, lesson=lesson, preview=True))


def _progress(*, user, lesson, classroom) -> Progress:
    return Progress.objects.get_or_create(user=user, lesson=lesson, classroom=classroom)[0]


def mark_read(*, user, lesson, classroom) -> None:
    if not user.is_authenticated:
        return
    progress = _progress(user=user, lesson=lesson, classroom=classroom)
    if progress.read_at is None:
        progress.read_at = progress.updated_at = timezone.now()
        progress.save(update_fields=["read_at", "updated_at"])


def check_exercises(*, user, lesson, classroom, parsed) -> set[str]:
    """The lesson's exercises done by the reader: those already marked, and the checked ones the class's data
    now shows done (which are marked, and stay done)."""
    progress = Progress.objects.filter(user=user, lesson=lesson, classroom=classroom).first()
    done = list(progress.exercises_done) if progress else []
    new = [exercise.id for exercise in parsed.exercises
           if exercise.checked and exercise.id not in done
           and exercises.is_done(exercise, user=user, classroom=classroom)]
    if new:
        progress = progress or _progress(user=user, lesson=lesson, classroom=classroom)
        progress.exercises_done = done + new
        progress.updated_at = timezone.now()
        progress.save(update_fields=["exercises_done", "updated_at"])
    return set(done + new)


def mark_exercise_done(*, user, lesson, classroom, exercise_id: str, language: str) -> set[str]:
    """A task the app cannot check, ticked by the student."""
    parsed = parse_lesson(lesson.text_in(language)[2])
    exercise = next((item for item in parsed.exercises if item.id == exercise_id), None)
    if exercise is None:
        raise AppError("not_found", _("The lesson has no such exercise."), status.HTTP_404_NOT_FOUND)
    if exercise.checked:
        raise AppError("exercise_checked", _("The app checks this exercise from your class's data: do it in the app."))
    progress = _progress(user=user, lesson=lesson, classroom=classroom)
    if exercise_id not in progress.exercises_done:
        progress.exercises_done = [*progress.exercises_done, exercise_id]
        progress.updated_at = timezone.now()
        progress.save(update_fields=["exercises_done", "updated_at"])
    return set(progress.exercises_done)


@transaction.atomic
def grade_quiz(*, user, lesson, classroom, language: str, answers) -> tuple[QuizAttempt, list[quiz.Graded]]:
    """Grade the answers against the questions the student's page showed; store the attempt."""
    if language not in LANGUAGE_CODES:
        raise _invalid("language", _("Choose es or en."))
    if not isinstance(answers, dict) or len(answers) > 200:
        raise _invalid("answers", _("Send the answers as an object: question id -> answer."))
    code, _title, body = lesson.text_in(language)
    parsed = parse_lesson(body)
    made = generated.questions_for(user=user, lesson=lesson, classroom=classroom, parsed=parsed, create=False)
    questions = [made.get(question.id) if question.generated else question for question in parsed.questions]
    questions = [question for question in questions if question is not None]
    if not questions:
        raise AppError("no_quiz", _("This lesson has no quiz."))
    known = {question.id for question in questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise _invalid("answers", _("These questions are not in the lesson: %(ids)s") % {"ids": ", ".join(unknown)})
    graded, errors = [], {}
    for question in questions:
        try:
            graded.append(quiz.grade(question, answers.get(question.id)))
        except quiz.AnswerError as error:
            errors[question.id] = str(error)
    if errors:
        first = next(iter(errors))
        raise AppError("invalid", _("Question %(number)s: %(problem)s") % {"number": first[1:], "problem": errors[first]},
                       field="answers", errors={"answers": errors})
    score = float(sum(item.correct for item in graded))
    attempt = QuizAttempt.objects.create(user=user, lesson=lesson, classroom=classroom, language=code,
                                         answers=answers, score=score, max_score=float(len(graded)))
    generated.forget(user=user, lesson=lesson, classroom=classroom)
    return attempt, graded
