from django.utils import translation
from rest_framework import serializers

from lessons.models import LANGUAGES
from lessons.rendering import parse_lesson
from lessons.syllabus import TOPIC_CHOICES

LANGUAGE_CHOICES = [code for code, _name in LANGUAGES]


class LessonInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    topic = serializers.ChoiceField(choices=TOPIC_CHOICES)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    body = serializers.CharField(allow_blank=True, max_length=100_000, trim_whitespace=False)


class LessonEditInput(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    title = serializers.CharField(max_length=200, required=False)
    topic = serializers.ChoiceField(choices=TOPIC_CHOICES, required=False)
    body = serializers.CharField(allow_blank=True, max_length=100_000, trim_whitespace=False, required=False)


class PreviewInput(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    body = serializers.CharField(allow_blank=True, max_length=100_000, trim_whitespace=False)
    lesson = serializers.SlugField(required=False, help_text="the lesson being edited (its files resolve)")


class PublishInput(serializers.Serializer):
    classes = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=100)


class QuizInput(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    answers = serializers.DictField(help_text='{"q1": 0, "q2": [0, 2], "q3": true, "q4": "3,5", "q5": "epoch"}')


def lesson_summary(lesson, language: str, *, user=None) -> dict:
    """The list's fields: what the lesson is and what it has, in the language asked for (or the one it has)."""
    code, title, body = lesson.text_in(language)
    with translation.override(code):
        parsed = parse_lesson(body)
    summary = {
        "slug": lesson.slug, "topic": lesson.topic, "title": title, "language": code,
        "languages": lesson.languages(), "widgets": parsed.widget_names,
        "quiz_questions": len(parsed.questions), "exercises": len(parsed.exercises),
        "status": lesson.status, "builtin": lesson.builtin, "chapter": lesson.order or None,
        "author": lesson.author.username if lesson.author else None,
        "copied_from": lesson.copied_from.slug if lesson.copied_from_id and lesson.copied_from else None,
        "updated_at": lesson.updated_at.isoformat(),
    }
    if user is not None and lesson.author_id == user.pk:
        summary["classes"] = sorted(lesson.classes.values_list("pk", flat=True))
    return summary
