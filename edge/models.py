from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceMeasurement(models.Model):
    """How fast (and how faithfully) one student's device ran the class's model in the browser: the
    compression lab's result, FP32 and INT8 side by side. Never a photo: only numbers."""

    class Source(models.TextChoices):
        TEST_SPLIT = "test_split", _("the class's test split")
        OWN_PHOTOS = "own_photos", _("the student's own photos")

    class Backend(models.TextChoices):
        WASM = "wasm", "wasm"
        WEBGPU = "webgpu", "webgpu"
        WEBNN = "webnn", "webnn"
        WEBGL = "webgl", "webgl"

    classroom = models.ForeignKey("eduai.Classroom", verbose_name=_("class"), on_delete=models.CASCADE,
                                  related_name="device_measurements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="device_measurements")
    model_version = models.ForeignKey("ml_models.ModelVersion", verbose_name=_("model version"),
                                      on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(_("created"), auto_now_add=True)
    device = models.CharField(_("device"), max_length=60)
    source = models.CharField(_("images used"), max_length=20, choices=Source.choices)
    images = models.PositiveIntegerField(_("images"))
    backend = models.CharField(_("execution provider"), max_length=10, choices=Backend.choices)
    threads = models.PositiveSmallIntegerField(_("threads"))
    cross_origin_isolated = models.BooleanField(_("cross-origin isolated"))
    cold_start_ms = models.FloatField(_("cold start (ms)"), null=True, blank=True)
    fp32 = models.JSONField(_("FP32"))
    int8 = models.JSONField(_("INT8"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)

    class Meta:
        verbose_name = _("device measurement")
        verbose_name_plural = _("device measurements")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["classroom", "user", "created"], name="edge_measurement_by_user")]

    def __str__(self) -> str:
        return f"{self.device} ({self.created:%Y-%m-%d})"
