"""What the whole school shares: classes and their members, each person's current class, and the
background jobs every app runs through the worker."""
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by students
JOIN_CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class Classroom(models.Model):
    """A group of students with their teachers: the scope of a dataset, its labels, runs and models."""

    name = models.CharField(_("name"), max_length=100)
    join_code = models.CharField(_("join code"), max_length=16, unique=True, default=new_join_code)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="classrooms",
                                     verbose_name=_("members"))
    active_version = models.ForeignKey(
        "ml_models.ModelVersion", verbose_name=_("active model version"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        help_text=_("Empty: the pretrained model, every class's default. Changed only by activation and rollback."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        TEACHER = "teacher", _("teacher")
        STUDENT = "student", _("student")

    classroom = models.ForeignKey(Classroom, verbose_name=_("class"), on_delete=models.CASCADE,
                                  related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STUDENT)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["classroom", "user"], name="one_membership_per_class")]

    def __str__(self) -> str:
        return f"{self.user} · {self.classroom} ({self.get_role_display()})"


class Profile(models.Model):
    """Per-person choices that outlive a session (the API uses tokens): the current class."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    current_class = models.ForeignKey(Classroom, verbose_name=_("current class"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")


class Job(models.Model):
    """Something the worker does for someone: the same record for every kind, so one API shape, one
    poller and one recovery rule serve them all (see eduai/jobs.py)."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("training run")
        LEARNING_CURVE = "learning_curve", _("learning-curve simulation")
        AUGMENTATION_PREVIEW = "augmentation_preview", _("augmentation preview")
        SCORING = "scoring", _("scoring pictures")
        SANITY_CHECK = "sanity_check", _("heatmap sanity check")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    classroom = models.ForeignKey(Classroom, verbose_name=_("class"), null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="jobs")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(_("stage"), max_length=30, blank=True)
    progress = models.FloatField(_("progress"), default=0.0)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    error = models.TextField(_("error"), blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    reserved = models.JSONField(_("reserved paths"), default=list, blank=True,
                                help_text=_("Files and folders the job writes; removed if it fails."))
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class WorkerBeat(models.Model):
    """A worker process saying it is alive, every few seconds (pages warn when none is)."""

    hostname = models.CharField(max_length=200, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
