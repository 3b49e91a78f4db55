from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Label(models.Model):
    """What one person (or an import) says an image shows."""

    class Value(models.TextChoices):
        CAT = "cat", _("cat")
        DOG = "dog", _("dog")
        NEITHER = "neither", _("neither")

    class Source(models.TextChoices):
        IMPORT = "import", _("import")
        STUDENT = "student", _("student")

    image = models.ForeignKey(
        "classifier.StoredImage", verbose_name=_("image"), on_delete=models.CASCADE, related_name="labels"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("labeler"), null=True, blank=True, on_delete=models.SET_NULL
    )
    value = models.CharField(_("label"), max_length=10, choices=Value.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        constraints = [
            models.UniqueConstraint(fields=["image", "source", "user"], name="one_label_per_image_source_user"),
        ]

    def __str__(self) -> str:
        return f"{self.image} = {self.value}"
