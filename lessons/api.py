"""The lessons API under /api/v1/: lessons, preview, quiz, exercises, files; and, under a class, widget data and
the class's progress table."""
from __future__ import annotations

import csv
import io

from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from eduai import classes
from eduai.class_scope import ClassTeacher, InClass
from eduai.errors import AppError
from lessons import selectors, services, widgets
from lessons.models import Lesson
from lessons.serializers import (
    LANGUAGE_CHOICES,
    ExercisesDoneOutput,
    LessonDetailOutput,
    LessonEditInput,
    LessonFileOutput,
    LessonInput,
    LessonOutput,
    LessonPreviewInput,
    PreviewOutput,
    ProgressRowOutput,
    PublishInput,
    QuizInput,
    QuizOutput,
    lesson_summary,
)

LANG = OpenApiParameter("lang", str, enum=LANGUAGE_CHOICES, description="es or en (default: the request's language)")


def _language(request) -> str:
    value = request.query_params.get("lang") or translation.get_language() or "es"
    value = value[:2]
    if value not in LANGUAGE_CHOICES:
        raise AppError("invalid", _("Choose es or en."), field="lang", errors={"lang": [_("Choose es or en.")]})
    return value


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _detail(request, lesson: Lesson, language: str) -> dict:
    user = request.user
    classroom = classes.current_class(user)
    code = lesson.text_in(language)[0]
    with translation.override(code):
        rendered, code = services.read_lesson(user=user, lesson=lesson, classroom=classroom, language=language)
        scores = selectors.scores_of(user=user, lesson=lesson, classroom=classroom)
        progress = selectors.progress_of(user=user, lesson=lesson, classroom=classroom)
        return {
            **lesson_summary(lesson, language, user=user),
            "html": str(rendered.html),
            "problems": [str(problem) for problem in rendered.problems],
            "questions": [question.public() for question in rendered.questions],
            "exercises_list": [{"id": exercise.id, "kind": exercise.kind, "checked": exercise.checked,
                                "done": exercise.id in (progress.exercises_done if progress else [])}
                               for exercise in rendered.parsed.exercises],
            "progress": {"read": bool(progress and progress.read_at),
                         "exercises_done": len(progress.exercises_done) if progress else 0,
                         "best_score": scores.best, "max_score": scores.max_score, "attempts": scores.attempts},
        }


class LessonListCreateApi(APIView):
    """The lessons you can read (`?lang=es|en`); POST creates a draft (teachers)."""

    @extend_schema(parameters=[LANG], responses=LessonOutput(many=True), operation_id="v1_lessons_list")
    def get(self, request):
        language = _language(request)
        return Response([lesson_summary(lesson, language, user=request.user)
                         for lesson in selectors.readable_lessons(request.user)])

    @extend_schema(request=LessonInput, responses={201: LessonOutput})
    def post(self, request):
        data = _valid(LessonInput, request.data)
        lesson = services.create_lesson(author=request.user, **data)
        return Response(lesson_summary(lesson, data["language"], user=request.user), status=status.HTTP_201_CREATED)


class LessonDetailApi(APIView):
    """One lesson with its HTML for you (`?lang=`); PATCH edits one language; DELETE removes your lesson."""

    @extend_schema(parameters=[LANG], responses=LessonDetailOutput)
    def get(self, request, slug: str):
        lesson = selectors.lesson_for(request.user, slug)
        return Response(_detail(request, lesson, _language(request)))

    @extend_schema(request=LessonEditInput, responses=LessonOutput)
    def patch(self, request, slug: str):
        lesson = selectors.lesson_for(request.user, slug)
        data = _valid(LessonEditInput, request.data)
        lesson = services.update_lesson(lesson=lesson, user=request.user, **data)
        return Response(lesson_summary(lesson, data["language"], user=request.user))

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str):
        services.delete_lesson(lesson=selectors.lesson_for(request.user, slug), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LessonPublishApi(APIView):
    @extend_schema(request=PublishInput, responses=LessonOutput)
    def post(self, request, slug: str):
        lesson = selectors.lesson_for(request.user, slug)
        data = _valid(PublishInput, request.data)
        lesson = services.publish_lesson(lesson=lesson, user=request.user, classes=data["classes"])
        return Response(lesson_summary(lesson, _language(request), user=request.user))


class LessonUnpublishApi(APIView):
    @extend_schema(request=None, responses=LessonOutput)
    def post(self, request, slug: str):
        lesson = services.unpublish_lesson(lesson=selectors.lesson_for(request.user, slug), user=request.user)
        return Response(lesson_summary(lesson, _language(request), user=request.user))


class LessonCopyApi(APIView):
    @extend_schema(request=None, responses={201: LessonOutput})
    def post(self, request, slug: str):
        copy = services.copy_lesson(lesson=selectors.lesson_for(request.user, slug), user=request.user)
        return Response(lesson_summary(copy, _language(request), user=request.user), status=status.HTTP_201_CREATED)


class LessonPreviewApi(APIView):
    """A text rendered as its readers would see it, and its problems; nothing is stored."""

    @extend_schema(request=LessonPreviewInput, responses=PreviewOutput)
    def post(self, request):
        data = _valid(LessonPreviewInput, request.data)
        lesson = selectors.lesson_for(request.user, data["lesson"]) if data.get("lesson") else None
        with translation.override(data["language"]):
            rendered = services.preview(user=request.user, body=data["body"], language=data["language"], lesson=lesson,
                                        classroom=classes.current_class(request.user))
            return Response({"html": str(rendered.html), "problems": [str(problem) for problem in rendered.problems],
                             "widgets": rendered.parsed.widget_names, "quiz_questions": len(rendered.parsed.questions)})


class LessonQuizApi(APIView):
    """Grade your answers on the server: score, maximum and feedback per question."""

    @extend_schema(request=QuizInput, responses=QuizOutput)
    def post(self, request, slug: str):
        lesson = selectors.lesson_for(request.user, slug)
        data = _valid(QuizInput, request.data)
        with translation.override(data["language"]):
            attempt, graded = services.grade_quiz(user=request.user, lesson=lesson,
                                                  classroom=classes.current_class(request.user), **data)
            best = selectors.scores_of(user=request.user, lesson=lesson, classroom=attempt.classroom)
            return Response({"score": attempt.score, "max_score": attempt.max_score, "best_score": best.best,
                             "attempts": best.attempts,
                             "questions": [{"id": item.id, "correct": item.correct, "feedback": item.feedback,
                                            "right_answer": item.right_answer} for item in graded]})


class ExerciseDoneApi(APIView):
    """Tick a task the app cannot check (`manual` exercises)."""

    @extend_schema(request=None, responses=ExercisesDoneOutput)
    def post(self, request, slug: str, exercise_id: str):
        lesson = selectors.lesson_for(request.user, slug)
        language = request.data.get("language") if isinstance(request.data, dict) else None
        language = language if language in LANGUAGE_CHOICES else _language(request)
        done = services.mark_exercise_done(user=request.user, lesson=lesson,
                                           classroom=classes.current_class(request.user), exercise_id=exercise_id,
                                           language=language)
        return Response({"exercises_done": sorted(done)})


class LessonFilesApi(APIView):
    """The lesson's images (`lesson:NAME` in its text); POST uploads one (`file`, optional `name`)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=LessonFileOutput(many=True))
    def get(self, request, slug: str):
        lesson = selectors.lesson_for(request.user, slug)
        return Response([{"name": file.name, "width": file.image.width, "height": file.image.height}
                         for file in lesson.files.select_related("image").order_by("name")])

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}, "name": {"type": "string"}}}},
        responses={201: LessonFileOutput})
    def post(self, request, slug: str):
        lesson = selectors.lesson_for(request.user, slug)
        file = services.add_file(lesson=lesson, user=request.user, upload=request.FILES.get("file"),
                                 name=request.data.get("name"))
        return Response({"name": file.name, "width": file.image.width, "height": file.image.height},
                        status=status.HTTP_201_CREATED)


class WidgetDataApi(APIView):
    """A widget's data for the class (`?option=value`, as in the lesson's `::: widget` directive)."""

    permission_classes = [InClass]

    @extend_schema(responses=OpenApiTypes.OBJECT, description="The widget's options as query parameters.")
    def get(self, request, class_id: int, name: str):
        given = {key: value for key, value in request.query_params.items() if key not in ("lang", "format")}
        widget, values, problems = widgets.resolve(name, given)
        if widget is None or not widget.has_data:
            raise AppError("not_found", problems[0] if problems else _("This widget has no data."),
                           status.HTTP_404_NOT_FOUND)
        if problems:
            raise AppError("invalid", problems[0], field="options", errors={"options": problems})
        function = import_string(widget.data_function)
        return Response(function(classroom=self.classroom, user=request.user, options=values))


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, list):  # an error body
            data = [data]
        buffer = io.StringIO()
        if data:
            writer = csv.DictWriter(buffer, fieldnames=list(data[0]))
            writer.writeheader()
            writer.writerows(data)
        return buffer.getvalue().encode("utf-8")


class ClassProgressApi(APIView):
    """Your class's progress: one row per student and lesson (`?format=csv` downloads it). Teachers only."""

    permission_classes = [ClassTeacher]
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(parameters=[LANG], responses=ProgressRowOutput(many=True))
    def get(self, request, class_id: int):
        rows = selectors.progress_table(classroom=self.classroom, user=request.user, language=_language(request))
        response = Response(rows)
        if getattr(request, "accepted_renderer", None) and request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = f'attachment; filename="progress-class-{self.classroom.pk}.csv"'
        return response
