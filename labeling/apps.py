from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabelingConfig(AppConfig):
    """Labels, the labeling queue and agreement (issue: labeling workflow)."""

    name = "labeling"
    verbose_name = _("Labeling")
