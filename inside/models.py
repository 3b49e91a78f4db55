from django.db import models
from django.utils.translation import gettext_lazy as _


class OcclusionFlip(models.Model):
    """A painted occlusion that changed an analysis's answer: the smallest share of the photo its owner
    had to hide to make the model change its mind (what the `occlusion` exercise checks)."""

    analysis = models.OneToOneField("classifier.Analysis", verbose_name=_("analysis"), on_delete=models.CASCADE,
                                    related_name="occlusion_flip")
    label_before = models.CharField(_("answer before"), max_length=10)
    label_after = models.CharField(_("answer after"), max_length=10)
    hidden_fraction = models.FloatField(_("share of the photo hidden"))
    fill = models.CharField(_("fill"), max_length=10)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("occlusion that changed the answer")
        verbose_name_plural = _("occlusions that changed the answer")

    def __str__(self) -> str:
        return f"{self.analysis_id}: {self.label_before} → {self.label_after} ({self.hidden_fraction:.0%})"
