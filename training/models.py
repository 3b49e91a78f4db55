from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingRun(models.Model):
    """One execution of the training pipeline: its config, data, progress, curves and results."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    config = models.JSONField(_("configuration"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(_("stage"), max_length=30, blank=True)
    progress = models.FloatField(_("progress"), default=0.0)
    dataset = models.JSONField(_("dataset snapshot"), default=list)
    history = models.JSONField(_("per-epoch metrics"), default=list)
    results = models.JSONField(_("results"), default=dict)
    timings = models.JSONField(_("timings (s)"), default=dict)
    log = models.TextField(_("log"), blank=True)
    error = models.TextField(_("error"), blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True,
                                   on_delete=models.SET_NULL)
    model_version = models.OneToOneField("ml_models.ModelVersion", verbose_name=_("model version"), null=True,
                                         blank=True, on_delete=models.SET_NULL, related_name="training_run")
    parent_version = models.ForeignKey("ml_models.ModelVersion", verbose_name=_("parent version"), null=True,
                                       blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.config.get('family', '')} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED
