from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MlModelsConfig(AppConfig):
    name = "ml_models"
    verbose_name = _("Models")
