from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingRun(models.Model):
    """One execution of the training pipeline for a class: its config, data snapshot, curves and results.

    Its lifecycle (status, stage, progress, error, timings of the run itself) is its job's.
    """

    classroom = models.ForeignKey("eduai.Classroom", verbose_name=_("class"), on_delete=models.CASCADE,
                                  related_name="training_runs")
    job = models.OneToOneField("eduai.Job", verbose_name=_("job"), on_delete=models.PROTECT, related_name="training_run")
    config = models.JSONField(_("configuration"))
    dataset = models.JSONField(_("dataset snapshot"), default=list)
    history = models.JSONField(_("per-epoch metrics"), default=list)
    results = models.JSONField(_("results"), default=dict)
    timings = models.JSONField(_("timings (s)"), default=dict)
    log = models.TextField(_("log"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True,
                                   on_delete=models.SET_NULL)
    model_version = models.OneToOneField("ml_models.ModelVersion", verbose_name=_("model version"), null=True,
                                         blank=True, on_delete=models.SET_NULL, related_name="training_run")
    parent_version = models.ForeignKey("ml_models.ModelVersion", verbose_name=_("parent version"), null=True,
                                       blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.config.get('family', '')}"


class TimeMachine(models.Model):
    """The overfitting time machine of a run: a fixed probe set of its photos and, after every epoch, the
    model's answer and heatmap for each (training/pipeline/probes.py). Its own row, so listing runs never
    reads it; runs made before it have none."""

    run = models.OneToOneField(TrainingRun, verbose_name=_("training run"), primary_key=True,
                               on_delete=models.CASCADE, related_name="time_machine")
    probes = models.JSONField(_("probes"), default=list)  # [{"sha256", "split", "label"}]
    epochs = models.JSONField(_("answers per epoch"), default=list)  # [{"epoch", "stage", "answers": [per probe]}]
    timings_ms = models.JSONField(_("recording time per epoch (ms)"), default=list)

    class Meta:
        verbose_name = _("time machine")
        verbose_name_plural = _("time machines")

    def __str__(self) -> str:
        return f"time machine of run #{self.run_id}"
