from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """Training runs and the pure-Keras pipeline (issue: training)."""

    name = "training"
    verbose_name = _("Training")
