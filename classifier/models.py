from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredImage(models.Model):
    """An uploaded picture, stored once by the sha256 of its bytes, exactly as it was uploaded.

    Who may see it is decided by what refers to it (eduai/policies.py): its owners' analyses, and
    the classes it was shared into. It keeps no file name: that belongs to each upload.
    """

    sha256 = models.CharField(_("sha256"), max_length=64, unique=True)
    file = models.FileField(_("file"), max_length=255)
    format = models.CharField(_("format"), max_length=10)
    width = models.PositiveIntegerField(_("width (px)"))
    height = models.PositiveIntegerField(_("height (px)"))
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")

    def __str__(self) -> str:
        return self.sha256[:12]


class Analysis(models.Model):
    """One run of a class's model on one of its owner's pictures, with everything needed to show the
    result again. Private to its owner until they share the picture into a class."""

    class Label(models.TextChoices):
        CAT = "cat", _("cat")
        DOG = "dog", _("dog")
        UNUSUAL = "unusual", _("unusual")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE)
    image = models.ForeignKey(StoredImage, verbose_name=_("image"), on_delete=models.PROTECT, related_name="analyses")
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    classroom = models.ForeignKey("eduai.Classroom", verbose_name=_("class"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  help_text=_("The class whose model answered (empty: the default model)."))
    model_version = models.ForeignKey(
        "ml_models.ModelVersion", verbose_name=_("model version"), on_delete=models.PROTECT
    )
    label = models.CharField(_("label"), max_length=10, choices=Label.choices)
    probabilities = models.JSONField(_("probabilities"))
    unusual_score = models.FloatField(_("unusual score"))
    unusual_threshold = models.FloatField(_("unusual threshold"))
    tags = models.JSONField(_("tags"))
    tags_agree = models.BooleanField(_("tags agree with the answer"), default=True)
    explanation = models.JSONField(_("explanation"))
    heatmap = models.FileField(_("heatmap"), max_length=255)
    timings_ms = models.JSONField(_("timings (ms)"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("analysis")
        verbose_name_plural = _("analyses")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name or self.image} → {self.label}"
