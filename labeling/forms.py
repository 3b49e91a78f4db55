from django import forms
from django.utils.translation import gettext_lazy as _

from labeling.models import LabelingSettings, Value


class SettingsForm(forms.ModelForm):
    class Meta:
        model = LabelingSettings
        fields = ["labels_per_image", "suggestion", "default_strategy"]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Labels file (CSV or JSON, as exported)"))


class ValueForm(forms.Form):
    value = forms.ChoiceField(choices=Value.choices)
