from django import forms
from django.utils.translation import gettext_lazy as _

from training.pipeline.config import TrainingConfig, preset


class StartRunForm(forms.Form):
    """The settings a teacher most often changes; everything else comes from the preset."""

    # the glossary term a "?" beside each field's label explains (templates/training/runs.html)
    TERMS = {"dropout": "dropout", "l2": "l2", "patience": "patience", "cv_folds": "fold",
             "prune_sparsity": "pruning", "quantize": "int8"}

    preset = forms.ChoiceField(label=_("Starting point"), choices=[
        ("lite0-finetune", _("Transfer learning: EfficientNet-Lite0, head then fine-tuning")),
        ("student-cnn", _("Small CNN trained from scratch")),
        ("overfit", _("Overfit on purpose: small CNN, no augmentation, no dropout, no early stopping")),
    ])
    epochs = forms.IntegerField(label=_("Epochs"), min_value=1, max_value=200, required=False,
                                help_text=_("Head epochs for transfer learning."))
    dropout = forms.FloatField(label=_("Dropout"), min_value=0, max_value=0.9, required=False,
                               help_text=_("Probability of switching off each input of the final layer while "
                                           "training, e.g. 0.3."))
    l2 = forms.FloatField(label=_("L2 regularisation"), min_value=0, max_value=1, required=False,
                          help_text=_("Weight of the squared-weights penalty added to the loss, e.g. 0.0001; 0 = off."))
    patience = forms.IntegerField(label=_("Early stopping patience (0 = off)"), min_value=0, max_value=50,
                                  required=False,
                                  help_text=_("Epochs without a lower validation loss before training stops."))
    cv_folds = forms.IntegerField(label=_("Cross-validation folds (0 = off)"), min_value=0, max_value=10,
                                  required=False,
                                  help_text=_("Transfer learning: a linear probe on the frozen pretrained network, "
                                              "in seconds, not the fine-tuned model. Small CNN: the CNN itself, "
                                              "retrained on each fold, so training takes about that many times "
                                              "longer."))
    prune_sparsity = forms.FloatField(label=_("Pruning: fraction of weights set to zero (0 = off)"), min_value=0,
                                      max_value=0.95, required=False,
                                      help_text=_("e.g. 0.5; followed by a few recovery epochs."))
    quantize = forms.BooleanField(label=_("Export INT8 and TFLite versions"), required=False, initial=True,
                                  help_text=_("Smaller files with 8-bit integers, each measured for size, speed "
                                              "and accuracy."))
    augment = forms.BooleanField(label=_("Data augmentation"), required=False, initial=True)

    def config(self) -> TrainingConfig:
        """The preset with the fields the teacher filled in; ValueError if they do not fit together."""
        data = self.cleaned_data
        overrides = {name: data[name] for name in ("epochs", "dropout", "l2", "patience", "cv_folds", "prune_sparsity")
                     if data.get(name) is not None}
        overrides["quantize"] = data["quantize"]
        if not data["augment"]:
            overrides["augment"] = {"flip": False, "rotation": 0, "zoom": 0, "translation": 0, "contrast": 0,
                                    "brightness": 0}
        return preset(data["preset"], **overrides)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                self.config()
            except ValueError as error:
                raise forms.ValidationError(str(error)) from error
        return cleaned
