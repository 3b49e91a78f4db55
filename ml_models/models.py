from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelVersion(models.Model):
    """One set of artifacts (an ONNX graph and its companions) that the app can serve.

    The pretrained version has no class and is every class's default; a trained version belongs to
    the class whose labels it learned from. Which version answers for a class is the class's
    `active_version` (changed only by ml_models.services.activate_version and rollback).
    """

    class Kind(models.TextChoices):
        # the stored value keeps its old name (API contract); what students read says what it is
        IMAGENET_ZERO_SHOT = "imagenet_zero_shot", _(
            "pretrained ImageNet model, not trained on our labels: ImageNet classes regrouped into cat and dog")
        CLASSIFIER = "classifier", _("classifier trained on our labels")

    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    artifact_dir = models.CharField(_("artifact folder"), max_length=255, help_text=_("Relative to the models folder."))
    sha256 = models.CharField(_("ONNX sha256"), max_length=64)
    signature = models.JSONField(_("signature"), default=dict)
    metrics = models.JSONField(_("metrics"), default=dict)
    classroom = models.ForeignKey("eduai.Classroom", verbose_name=_("class"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="model_versions",
                                  help_text=_("The class it was trained from; empty for the pretrained model."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="unique_model_name_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Activation(models.Model):
    """Which version became active for a class, when, by whom, and which one it replaced (for rollback)."""

    classroom = models.ForeignKey("eduai.Classroom", verbose_name=_("class"), on_delete=models.CASCADE,
                                  related_name="activations")
    version = models.ForeignKey(ModelVersion, verbose_name=_("version"), on_delete=models.CASCADE,
                                related_name="activations")
    previous = models.ForeignKey(ModelVersion, verbose_name=_("previous version"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("activated by"), null=True,
                                     blank=True, on_delete=models.SET_NULL)
    is_rollback = models.BooleanField(_("rollback"), default=False)
    activated_at = models.DateTimeField(_("activated"), auto_now_add=True)

    class Meta:
        verbose_name = _("activation")
        verbose_name_plural = _("activations")
        ordering = ["-activated_at", "-id"]
