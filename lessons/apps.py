from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LessonsConfig(AppConfig):
    """Lessons with live widgets, course content and quizzes (later issues)."""

    name = "lessons"
    verbose_name = _("Lessons")
