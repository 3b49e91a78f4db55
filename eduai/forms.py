from django import forms
from django.utils.translation import gettext_lazy as _


class JoinClassForm(forms.Form):
    join_code = forms.CharField(label=_("Join code"), max_length=32,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
                                help_text=_("Your teacher gives it to you, for example K7P2-QX9M."))


class CreateClassForm(forms.Form):
    name = forms.CharField(label=_("Class name"), max_length=100)
