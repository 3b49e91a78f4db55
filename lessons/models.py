"""Lessons (built-in or written by teachers), their files, and each student's progress and quiz attempts."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lessons.syllabus import TOPIC_CHOICES

LANGUAGES = (("es", "Español"), ("en", "English"))
MAX_BODY_CHARS = 100_000


class Lesson(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    topic = models.CharField(_("topic"), max_length=40, choices=TOPIC_CHOICES)
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_es = models.TextField(_("text (Spanish)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="lessons")
    builtin = models.BooleanField(_("built-in"), default=False,
                                  help_text=_("Part of the course in the repository: every class sees it."))
    order = models.PositiveIntegerField(_("chapter"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    classes = models.ManyToManyField("eduai.Classroom", verbose_name=_("published to"), blank=True,
                                     related_name="lessons")
    copied_from = models.ForeignKey("self", verbose_name=_("copied from"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="copies")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["-builtin", "order", "slug"]

    def __str__(self) -> str:
        return self.title_es or self.title_en or self.slug

    def languages(self) -> list[str]:
        return [code for code, _name in LANGUAGES if getattr(self, f"body_{code}").strip()]

    def text_in(self, language: str) -> tuple[str, str, str]:
        """(language, title, body) in the language asked for, or the other one when it has no text yet."""
        for code in (language, *(code for code, _name in LANGUAGES if code != language)):
            body = getattr(self, f"body_{code}", "")
            if body.strip():
                return code, getattr(self, f"title_{code}") or self.slug, body
        return language, getattr(self, f"title_{language}", "") or self.slug, ""


class LessonFile(models.Model):
    """An image uploaded for a lesson, validated like every upload; referenced as `lesson:NAME`."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("name"), max_length=100)
    image = models.ForeignKey("classifier.StoredImage", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lesson", "name"], name="one_file_name_per_lesson")]


class Progress(models.Model):
    """One student's progress on one lesson, in one class (exercises are checked on that class's data)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    classroom = models.ForeignKey("eduai.Classroom", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)
    exercises_done = models.JSONField(default=list)  # exercise ids ("e1"), in the order they were done
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson", "classroom"],
                                               name="one_progress_per_user_lesson_class")]


class QuizAttempt(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="attempts")
    classroom = models.ForeignKey("eduai.Classroom", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=2, choices=LANGUAGES)
    answers = models.JSONField(default=dict)
    score = models.FloatField()
    max_score = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


class GeneratedQuestion(models.Model):
    """A question made from the class's data for one student, kept until they answer it, so the grade uses
    exactly what their page showed (and the right answer never leaves the server)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    classroom = models.ForeignKey("eduai.Classroom", on_delete=models.CASCADE, related_name="+")
    question_id = models.CharField(max_length=10)
    model_version = models.ForeignKey("ml_models.ModelVersion", null=True, on_delete=models.CASCADE, related_name="+")
    question = models.JSONField()  # the instantiated question, right answer included
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson", "classroom", "question_id"],
                                               name="one_generated_question_per_student")]
