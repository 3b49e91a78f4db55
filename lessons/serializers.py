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


class LessonPreviewInput(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    body = serializers.CharField(allow_blank=True, max_length=100_000, trim_whitespace=False)
    lesson = serializers.SlugField(required=False, help_text="the lesson being edited (its files resolve)")


class PublishInput(serializers.Serializer):
    classes = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=100)


class QuizInput(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    answers = serializers.DictField(help_text='{"q1": 0, "q2": [0, 2], "q3": true, "q4": "3,5", "q5": "epoch"}')


class LessonOutput(serializers.Serializer):
    """A lesson in the list (and every answer about one lesson)."""

    slug = serializers.SlugField()
    topic = serializers.CharField()
    title = serializers.CharField()
    language = serializers.CharField(help_text="the language of the text returned (the other one if it has none)")
    languages = serializers.ListField(child=serializers.CharField())
    widgets = serializers.ListField(child=serializers.CharField(), help_text="names of the widgets it uses")
    quiz_questions = serializers.IntegerField()
    exercises = serializers.IntegerField()
    status = serializers.CharField()
    builtin = serializers.BooleanField()
    chapter = serializers.IntegerField(allow_null=True)
    author = serializers.CharField(allow_null=True)
    copied_from = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField()
    classes = serializers.ListField(child=serializers.IntegerField(), required=False,
                                    help_text="the classes it is published to (its author only)")


class LessonDetailOutput(LessonOutput):
    html = serializers.CharField(help_text="sanitised HTML, bound to your current class; no right answers")
    problems = serializers.ListField(child=serializers.CharField())
    questions = serializers.ListField(child=serializers.DictField(), help_text="id, kind, text, multiple, "
                                                                               "choices, images")
    exercises_list = serializers.ListField(child=serializers.DictField(), help_text="id, kind, checked, done")
    progress = serializers.DictField(help_text="read, exercises_done, best_score, max_score, attempts")


class PreviewOutput(serializers.Serializer):
    html = serializers.CharField()
    problems = serializers.ListField(child=serializers.CharField())
    widgets = serializers.ListField(child=serializers.CharField())
    quiz_questions = serializers.IntegerField()


class GradedOutput(serializers.Serializer):
    id = serializers.CharField()
    correct = serializers.BooleanField()
    feedback = serializers.ListField(child=serializers.CharField())
    right_answer = serializers.CharField()


class QuizOutput(serializers.Serializer):
    score = serializers.FloatField()
    max_score = serializers.FloatField()
    best_score = serializers.FloatField()
    attempts = serializers.IntegerField()
    questions = GradedOutput(many=True)


class ExercisesDoneOutput(serializers.Serializer):
    exercises_done = serializers.ListField(child=serializers.CharField())


class LessonFileOutput(serializers.Serializer):
    name = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class ProgressRowOutput(serializers.Serializer):
    student = serializers.CharField()
    lesson = serializers.SlugField()
    title = serializers.CharField(help_text="the lesson's title in the language asked for")
    read = serializers.BooleanField()
    read_at = serializers.DateTimeField(allow_null=True)
    exercises_done = serializers.IntegerField()
    exercises = serializers.IntegerField()
    best_score = serializers.FloatField(allow_null=True)
    max_score = serializers.FloatField(allow_null=True)
    attempts = serializers.IntegerField()


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
