from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsideConfig(AppConfig):
    name = "inside"
    verbose_name = _("Look inside the network")
