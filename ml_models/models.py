from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ModelVersion(models.Model):
    """One set of artifacts (an ONNX graph and its companions) that the app can serve."""

    class Kind(models.TextChoices):
        IMAGENET_ZERO_SHOT = "imagenet_zero_shot", _("ImageNet model, cat/dog by zero-shot")
        CLASSIFIER = "classifier", _("classifier trained on our labels")

    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    artifact_dir = models.CharField(_("artifact folder"), max_length=255, help_text=_("Relative to the models folder."))
    sha256 = models.CharField(_("ONNX sha256"), max_length=64)
    signature = models.JSONField(_("signature"), default=dict)
    metrics = models.JSONField(_("metrics"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    is_active = models.BooleanField(_("active"), default=False)

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="unique_model_name_version"),
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_model"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Activation(models.Model):
    """Which version became active, when, by whom, and which one it replaced (for rollback)."""

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
