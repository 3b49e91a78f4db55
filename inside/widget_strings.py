"""The words of the look-inside widgets' JavaScript modules (merged into lessons.widget_strings.STRINGS)."""
from django.utils.translation import gettext_lazy as _

COMMON = {"error": _("Something went wrong. Try again.")}

STRINGS = {name: {**COMMON} for name in ("architecture", "feature-maps", "filters", "neuron", "occlusion", "sanity-check")}
