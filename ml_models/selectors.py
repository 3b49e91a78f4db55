"""Reads for the model registry: which version answers for a class, which versions a class sees."""
from django.db.models import Q, QuerySet

from ml_models.core.contract import SCHEMA
from ml_models.models import Activation, ModelVersion

SERVING_FIELDS = ("id", "name", "version", "kind", "artifact_dir")


def default_version() -> ModelVersion | None:
    """The pretrained version every class starts with: the newest one that follows today's contract."""
    return (ModelVersion.objects.filter(classroom__isnull=True, kind=ModelVersion.Kind.IMAGENET_ZERO_SHOT,
                                        signature__schema=SCHEMA)
            .order_by("-version", "-id").only(*SERVING_FIELDS).first())


def serving_version(*, classroom=None) -> ModelVersion | None:
    """The version that answers for `classroom` now (read afresh on every call, for hot swap): its
    active version, or the default when it has none (or when there is no class)."""
    if classroom is not None:
        active = (ModelVersion.objects.filter(pk__in=classroom.__class__.objects.filter(pk=classroom.pk)
                                              .values("active_version_id"))
                  .only(*SERVING_FIELDS).first())
        if active is not None:
            return active
    return default_version()


def versions_for(classroom) -> QuerySet:
    """The versions a class can use: the global pretrained ones and those trained from its labels."""
    return (ModelVersion.objects.filter(Q(classroom__isnull=True) | Q(classroom=classroom))
            .select_related("training_run").order_by("-created_at", "-id"))


def activations_of(classroom, *, limit: int = 10) -> list[Activation]:
    return list(Activation.objects.filter(classroom=classroom)
                .select_related("version", "previous", "activated_by")[:limit])


def was_ever_active(version: ModelVersion) -> bool:
    return Activation.objects.filter(Q(version=version) | Q(previous=version)).exists()
