"""Reading lessons and progress: which lessons someone can read, and a class's progress table."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from eduai import policies
from eduai.errors import not_found
from eduai.permissions import is_admin
from lessons.models import Lesson, Progress, QuizAttempt


def readable_lessons(user) -> QuerySet:
    """Published built-in lessons, published lessons of the reader's classes, and their own drafts."""
    if user is None or not user.is_authenticated:
        return Lesson.objects.none()
    lessons = Lesson.objects.select_related("author")
    if is_admin(user):
        return lessons
    published = Q(status=Lesson.Status.PUBLISHED)
    return lessons.filter((published & (Q(builtin=True) | Q(classes__memberships__user=user)))
                          | Q(author=user)).distinct()


def lesson_for(user, slug: str) -> Lesson:
    lesson = Lesson.objects.filter(slug=slug).select_related("author").first()
    if lesson is None or not policies.can_read_lesson(user, lesson):
        raise not_found()
    return lesson


def progress_of(*, user, lesson, classroom) -> Progress | None:
    return Progress.objects.filter(user=user, lesson=lesson, classroom=classroom).first()


@dataclass(frozen=True)
class Scores:
    best: float | None
    max_score: float | None
    attempts: int


def scores_of(*, user, lesson, classroom) -> Scores:
    attempts = QuizAttempt.objects.filter(user=user, lesson=lesson, classroom=classroom)
    best = attempts.order_by("-score", "-created_at").first()
    return Scores(best.score if best else None, best.max_score if best else None, attempts.count())


def class_progress(*, classroom, lessons) -> list[dict]:
    """One row per student of the class and lesson: read, exercises done, best quiz score, attempts."""
    from eduai.models import Membership

    students = list(Membership.objects.filter(classroom=classroom, role=Membership.Role.STUDENT)
                    .select_related("user").order_by("user__username"))
    lessons = list(lessons)
    progress = {(row.user_id, row.lesson_id): row for row in
                Progress.objects.filter(classroom=classroom, lesson__in=lessons)}
    attempts = {}  # (user, lesson) -> the best attempt's score and maximum (as scores_of says), and how many
    for row in (QuizAttempt.objects.filter(classroom=classroom, lesson__in=lessons)
                .order_by("user_id", "lesson_id", "-score", "-created_at").values("user_id", "lesson_id", "score",
                                                                                   "max_score")):
        tally = attempts.setdefault((row["user_id"], row["lesson_id"]),
                                    {"best": row["score"], "top": row["max_score"], "count": 0})
        tally["count"] += 1
    rows = []
    for membership in students:
        for lesson in lessons:
            key = (membership.user_id, lesson.pk)
            done = progress.get(key)
            tries = attempts.get(key, {})
            rows.append({"student": membership.user.username, "lesson": lesson.slug,
                         "read": bool(done and done.read_at), "read_at": done.read_at if done else None,
                         "exercises_done": len(done.exercises_done) if done else 0,
                         "best_score": tries.get("best"), "max_score": tries.get("top"),
                         "attempts": tries.get("count", 0)})
    return rows


def progress_table(*, classroom, user, language: str) -> list[dict]:
    """The class's progress table, with each lesson's number of exercises."""
    from lessons.rendering import parse_lesson

    lessons = [lesson for lesson in readable_lessons(user)
               if lesson.status == Lesson.Status.PUBLISHED
               and (lesson.builtin or lesson.classes.filter(pk=classroom.pk).exists())]
    totals = {lesson.slug: len(parse_lesson(lesson.text_in(language)[2]).exercises) for lesson in lessons}
    titles = {lesson.slug: lesson.text_in(language)[1] for lesson in lessons}
    rows = class_progress(classroom=classroom, lessons=lessons)
    for row in rows:
        row["title"] = titles[row["lesson"]]
        row["exercises"] = totals[row["lesson"]]
        row["read_at"] = row["read_at"].isoformat() if row["read_at"] else None
    return rows
