"""Lesson pages: the course and the class's lessons, one lesson with its widgets and quiz, the editor, and the
class's progress table."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from edge.isolation import cross_origin_isolated
from eduai import classes, policies
from eduai.class_scope import ClassTeacherPage
from eduai.errors import AppError
from lessons import selectors, services, widget_data, widgets
from lessons.exercises import KINDS as EXERCISE_KINDS
from lessons.models import LANGUAGES
from lessons.quiz import GENERATED_KINDS, WRITTEN_KINDS
from lessons.serializers import lesson_summary
from lessons.syllabus import TOPIC_CHOICES, TOPICS


def _language() -> str:
    code = (translation.get_language() or "es")[:2]
    return code if code in dict(LANGUAGES) else "es"


class LessonListPage(LoginRequiredMixin, TemplateView):
    template_name = "lessons/list.html"

    def get_context_data(self, **kwargs):
        user, language = self.request.user, _language()
        classroom = classes.current_class(user)
        rows = []
        for lesson in selectors.readable_lessons(user).prefetch_related("classes"):
            summary = lesson_summary(lesson, language, user=user)
            scores = selectors.scores_of(user=user, lesson=lesson, classroom=classroom)
            progress = selectors.progress_of(user=user, lesson=lesson, classroom=classroom)
            summary.update(topic_display=TOPICS.get(lesson.topic, lesson.topic), best_score=scores.best,
                           max_score=scores.max_score, read=bool(progress and progress.read_at),
                           exercises_done=len(progress.exercises_done) if progress else 0,
                           mine=lesson.author_id == user.pk)
            rows.append(summary)
        return {**super().get_context_data(**kwargs), "course": [row for row in rows if row["builtin"]],
                "class_lessons": [row for row in rows if not row["builtin"] and not row["mine"]],
                "my_lessons": [row for row in rows if row["mine"]],
                "can_author": policies.can_author_lessons(user), "classroom": classroom,
                "teaching": classroom is not None and policies.can_teach(user, classroom)}


@method_decorator(cross_origin_isolated, name="dispatch")
class LessonPage(LoginRequiredMixin, TemplateView):
    template_name = "lessons/lesson.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        lesson = selectors.lesson_for(user, self.kwargs["slug"])
        classroom = classes.current_class(user)
        rendered, code = services.read_lesson(user=user, lesson=lesson, classroom=classroom, language=_language())
        scores = selectors.scores_of(user=user, lesson=lesson, classroom=classroom)
        return {**super().get_context_data(**kwargs), "lesson": lesson, "rendered": rendered, "language": code,
                "title": lesson.text_in(code)[1], "other_language": code != _language(),
                "topic": TOPICS.get(lesson.topic, lesson.topic), "scores": scores, "classroom": classroom,
                "can_edit": policies.can_edit_lesson(user, lesson), "can_copy": policies.can_author_lessons(user),
                "widget_strings": widget_strings(rendered.parsed.widget_names), "page_strings": lesson_strings()}


def widget_strings(names) -> dict:
    return {name: {key: str(value) for key, value in getattr(widget_data, "STRINGS", {}).get(name, {}).items()}
            for name in names}


def lesson_strings() -> dict:
    return {"score": _("%(score)s of %(max)s right. Best so far: %(best)s of %(max)s."),
            "right": _("Right"), "wrong": _("Not quite"), "answer": _("Right answer: %(answer)s"),
            "done": _("Done"), "error": _("Something went wrong; try again."),
            "widget_error": _("This widget could not be loaded: %(message)s")}


class LessonForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language of this text"), choices=LANGUAGES,
                                 widget=forms.Select(attrs={"class": "form-select"}))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200,
                            widget=forms.TextInput(attrs={"class": "form-control"}))
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), choices=TOPIC_CHOICES,
                              widget=forms.Select(attrs={"class": "form-select"}))
    body = forms.CharField(label=gettext_lazy("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 24}),
                           required=False, max_length=100_000, strip=False)


class LessonEditPage(LoginRequiredMixin, TemplateView):
    """Write a new lesson or edit one of yours, one language at a time, with a live preview."""

    template_name = "lessons/edit.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not policies.can_author_lessons(request.user):
            raise AppError("permission_denied", _("Only teachers write lessons."), 403)
        self.lesson = None
        if "slug" in kwargs:
            self.lesson = selectors.lesson_for(request.user, kwargs["slug"])
            if not policies.can_edit_lesson(request.user, self.lesson):
                raise AppError("permission_denied", _("Built-in lessons and other teachers' lessons are not edited "
                                                      "here: copy the lesson to adapt it."), 403)
        return super().dispatch(request, *args, **kwargs)

    def _initial(self, language):
        if self.lesson is None:
            return {"language": language, "topic": "other"}
        return {"language": language, "title": getattr(self.lesson, f"title_{language}"), "topic": self.lesson.topic,
                "body": getattr(self.lesson, f"body_{language}")}

    def get_context_data(self, form=None, **kwargs):
        language = self.request.GET.get("lang") if self.request.GET.get("lang") in dict(LANGUAGES) else _language()
        form = form or LessonForm(initial=self._initial(language))
        user = self.request.user
        teaching = [classroom for classroom in classes.classes_of(user) if policies.can_publish_to(user, classroom)]
        return {**super().get_context_data(**kwargs), "form": form, "lesson": self.lesson, "language": language,
                "teaching": teaching, "published_to": set(self.lesson.classes.values_list("pk", flat=True))
                if self.lesson else set(),
                "problems": services.problems_of(self.lesson) if self.lesson else {},
                "files": self.lesson.files.order_by("name") if self.lesson else [],
                "widget_strings": widget_strings(widgets.REGISTRY), "page_strings": lesson_strings(),
                "cheatsheet": {"widgets": widgets.choices_help(), "exercises": list(EXERCISE_KINDS),
                               "questions": list(WRITTEN_KINDS + GENERATED_KINDS)}}

    def post(self, request, *args, **kwargs):
        form = LessonForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        try:
            if self.lesson is None:
                self.lesson = services.create_lesson(author=request.user, **data)
            else:
                services.update_lesson(lesson=self.lesson, user=request.user, **data)
        except AppError as error:
            form.add_error(None, error.detail)
            for language, problems in (error.extra.get("problems") or {}).items():
                for problem in problems:
                    form.add_error(None, f"{language}: {problem}")
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, _("Saved."))
        return redirect(reverse("lessons:edit", kwargs={"slug": self.lesson.slug}) + f"?lang={data['language']}")


class LessonAction(LoginRequiredMixin, View):
    """Publish, unpublish, copy, delete and upload a file, from the lesson's pages (POST)."""

    def post(self, request, slug: str, action: str):
        lesson = selectors.lesson_for(request.user, slug)
        edit = reverse("lessons:edit", kwargs={"slug": slug})
        try:
            if action == "publish":
                ids = [int(value) for value in request.POST.getlist("classes") if value.isdigit()]
                services.publish_lesson(lesson=lesson, user=request.user, classes=ids)
                messages.success(request, _("Published."))
                return redirect(edit)
            if action == "unpublish":
                services.unpublish_lesson(lesson=lesson, user=request.user)
                messages.success(request, _("Back to draft: only you see it."))
                return redirect(edit)
            if action == "copy":
                copy = services.copy_lesson(lesson=lesson, user=request.user)
                messages.success(request, _("This is your copy: adapt it and publish it to your classes."))
                return redirect(reverse("lessons:edit", kwargs={"slug": copy.slug}))
            if action == "delete":
                services.delete_lesson(lesson=lesson, user=request.user)
                messages.success(request, _("Lesson deleted."))
                return redirect("lessons:list")
            if action == "files":
                services.add_file(lesson=lesson, user=request.user, upload=request.FILES.get("file"),
                                  name=request.POST.get("name") or None)
                messages.success(request, _("File uploaded."))
                return redirect(edit)
        except AppError as error:
            if error.status == 403:
                raise
            messages.error(request, error.detail)
            for language, problems in (error.extra.get("problems") or {}).items():
                for problem in problems[:10]:
                    messages.error(request, f"{language}: {problem}")
            return redirect(edit)
        raise Http404


class LessonFile(LoginRequiredMixin, View):
    def get(self, request, slug: str, name: str):
        lesson = selectors.lesson_for(request.user, slug)
        file = lesson.files.select_related("image").filter(name=name).first()
        if file is None:
            raise Http404
        return FileResponse(file.image.file.open("rb"))


class ClassProgressPage(ClassTeacherPage, TemplateView):
    template_name = "lessons/progress.html"

    def get_context_data(self, **kwargs):
        rows = selectors.progress_table(classroom=self.classroom, user=self.request.user, language=_language())
        lessons = list(dict.fromkeys((row["lesson"], row["title"]) for row in rows))
        students = list(dict.fromkeys(row["student"] for row in rows))
        table = {(row["student"], row["lesson"]): row for row in rows}
        return {**super().get_context_data(**kwargs), "lessons": lessons,
                "table": [(student, [table[(student, slug)] for slug, _title in lessons]) for student in students]}
