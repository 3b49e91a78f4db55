from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredImage(models.Model):
    """An uploaded picture, stored once by the sha256 of its bytes, exactly as it was uploaded."""

    sha256 = models.CharField(_("sha256"), max_length=64, unique=True)
    file = models.FileField(_("file"), max_length=255)
    format = models.CharField(_("format"), max_length=10)
    width = models.PositiveIntegerField(_("width (px)"))
    height = models.PositiveIntegerField(_("height (px)"))
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")

    def __str__(self) -> str:
        return self.original_name or self.sha256[:12]


class Analysis(models.Model):
    """One run of the active model on one image, with everything needed to show the result again."""

    class Label(models.TextChoices):
        CAT = "cat", _("cat")
        DOG = "dog", _("dog")
        UNUSUAL = "unusual", _("unusual")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE)
    image = models.ForeignKey(StoredImage, verbose_name=_("image"), on_delete=models.PROTECT, related_name="analyses")
    model_version = models.ForeignKey(
        "ml_models.ModelVersion", verbose_name=_("model version"), on_delete=models.PROTECT
    )
    label = models.CharField(_("label"), max_length=10, choices=Label.choices)
    probabilities = models.JSONField(_("probabilities"))
    unusual_score = models.FloatField(_("unusual score"))
    unusual_threshold = models.FloatField(_("unusual threshold"))
    tags = models.JSONField(_("tags"))
    explanation = models.JSONField(_("explanation"))
    heatmap = models.FileField(_("heatmap"), max_length=255)
    timings_ms = models.JSONField(_("timings (ms)"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("analysis")
        verbose_name_plural = _("analyses")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.image} → {self.label}"
