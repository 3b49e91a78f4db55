from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EdgeConfig(AppConfig):
    name = "edge"
    verbose_name = _("On the device")
