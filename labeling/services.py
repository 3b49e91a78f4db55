"""Writes for labeling: import and upload images, serve the queue, label, skip, undo, settle, configure."""
from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from classifier.images import read_image
from classifier.models import Analysis, StoredImage
from classifier.services import files_removed_on_failure, store_image
from eduai.errors import AppError
from labeling import ordering, scoring, selectors
from labeling.learning_curve import CurveSettings
from labeling.models import (
    DATASET_LABELER,
    QUEUE_STRATEGIES,
    UNCERTAINTY_STRATEGIES,
    Adjudication,
    Assignment,
    GoldImage,
    Label,
    LabelingSettings,
    LearningCurve,
    Skip,
    Strategy,
    Value,
)

HOLD_MINUTES = 10  # how long the image shown to a labeler is kept for them
SCORE_PER_REQUEST = 64  # unscored candidates the queue scores while a labeler waits


# ------------------------------------------------------------------------------------ images in

@dataclass(frozen=True)
class Imported:
    image: StoredImage
    new_image: bool
    label: Label | None


def import_image(*, content: bytes, name: str, value: str | None, user=None) -> Imported:
    """Store one picture through the upload checks (raises ImageRejected); `value` is the label its
    dataset folder gives it, which settles the image (it does not go to the labeling queue)."""
    image = read_image(content, max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES, max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
    with files_removed_on_failure() as written, transaction.atomic():
        existed = StoredImage.objects.filter(sha256=image.sha256).exists()
        stored = store_image(image, original_name=name, user=user, written=written)
        label = None
        if value is not None:
            label, _ = Label.objects.update_or_create(
                image=stored, labeler=DATASET_LABELER,
                defaults={"value": value, "strategy": Strategy.DATASET, "user": user},
            )
    return Imported(stored, not existed, label)


# ----------------------------------------------------------------------------------------- queue

def next_image(*, user, strategy: str) -> Assignment | None:
    """The image `user` should label now, held for them for a while; None when nothing is left."""
    if strategy not in QUEUE_STRATEGIES:
        raise AppError("invalid_strategy", _("Unknown ordering: %(strategy)s.") % {"strategy": strategy})
    needed = LabelingSettings.current().labels_per_image
    candidates = selectors.queue_candidates(user=user, needed=needed)
    current = Assignment.objects.filter(user=user, expires_at__gt=timezone.now()).first()
    if current and current.strategy == strategy and current.image_id in candidates:
        return current
    ranked = _ranked(candidates, user=user, strategy=strategy)
    with transaction.atomic():
        _queue_lock()
        Assignment.objects.filter(user=user).delete()
        available = selectors.queue_candidates(user=user, needed=needed)
        for image_id in ranked:
            if image_id in available:
                return Assignment.objects.create(user=user, image_id=image_id, strategy=strategy,
                                                 expires_at=timezone.now() + timedelta(minutes=HOLD_MINUTES))
    return None


def _queue_lock() -> None:
    """Serialise everything that changes who may be shown what (picks, labels, skips, undo), class-wide,
    until the transaction ends. Counting votes and held pictures takes several queries; without the
    lock a label committed between them could let one picture be given to one person too many."""
    LabelingSettings.current()
    LabelingSettings.objects.select_for_update().get(pk=1)


def _ranked(candidates: set[int], *, user, strategy: str) -> list[int]:
    """Candidates in the order the strategy wants; images flagged "the model is wrong" come first."""
    ids = sorted(candidates)
    if strategy == Strategy.RANDOM:
        # a fixed order per labeler, so students do not all see the same picture first
        order = ordering.random_order(ids, seed=zlib.crc32(f"{user.pk}:{len(ids)}".encode()))
    else:
        order = _model_order(ids, user=user, strategy=strategy)
    flagged = selectors.flagged_by_students()
    return [i for i in order if i in flagged] + [i for i in order if i not in flagged]


def _model_order(ids: list[int], *, user, strategy: str) -> list[int]:
    model = scoring.active_model()
    if model is None:
        raise AppError("no_active_model", _("No model is active, so only the random order works."), 409)
    version_id = model.version_id
    scoring.score_images(ids, limit=SCORE_PER_REQUEST)
    scores = selectors.scores_of(ids, version_id=version_id)
    scored = [i for i in ids if i in scores]
    unscored = [i for i in ids if i not in scores]
    if unscored:
        _score_the_rest_in_the_worker(version_id)
    if not scored:
        return unscored
    if strategy in UNCERTAINTY_STRATEGIES:
        probabilities = np.array([[scores[i].probabilities[v] for v in Value.values] for i in scored])
        return ordering.uncertainty_order(scored, probabilities, measure=strategy) + unscored
    turn = Label.objects.filter(user=user, strategy=Strategy.DIVERSITY).count()
    embeddings = np.stack([scoring.embedding_of(scores[i]) for i in scored])
    return ordering.diversity_order(scored, embeddings, turn=turn) + unscored


def _score_the_rest_in_the_worker(version_id: int) -> None:
    """Ask the worker, once per version and 10 minutes, to score every picture still unscored (after
    a new model is activated, or a large import), so the next picks rank the whole pool."""
    from labeling.tasks import score_missing_images

    if cache.add(f"labeling:scoring:{version_id}", True, timeout=600):
        transaction.on_commit(score_missing_images.delay)


def label_image(*, user, image: StoredImage, value: str, strategy: str) -> Label:
    """Record `user`'s label; AppError if they already labelled this image."""
    if value not in Value.values:
        raise AppError("invalid_label", _("The label must be cat, dog or neither."))
    if strategy not in QUEUE_STRATEGIES and strategy != Strategy.MODEL_WRONG:
        raise AppError("invalid_strategy", _("Unknown ordering: %(strategy)s.") % {"strategy": strategy})
    try:
        with transaction.atomic():
            _queue_lock()
            label = Label.objects.create(image=image, user=user, labeler=user.get_username(), value=value,
                                         strategy=strategy)
            Assignment.objects.filter(user=user).delete()
    except IntegrityError as error:
        raise AppError("already_labeled", _("You have already labelled this image."), 409) from error
    return label


def report_model_wrong(*, user, analysis: Analysis, value: str) -> Label:
    """"The model is wrong": the student's answer becomes a label, and the image goes to the front
    of everyone else's queue."""
    if value == _answer_of(analysis):
        raise AppError("same_as_model", _("That is what the model said. Choose the right answer."))
    return label_image(user=user, image=analysis.image, value=value, strategy=Strategy.MODEL_WRONG)


def _answer_of(analysis: Analysis) -> str:
    return "neither" if analysis.label == Analysis.Label.UNUSUAL else analysis.label


def skip_image(*, user, image: StoredImage) -> None:
    with transaction.atomic():
        _queue_lock()
        Skip.objects.get_or_create(user=user, image=image)
        Assignment.objects.filter(user=user).delete()


def undo_last(*, user, strategy: str) -> StoredImage | None:
    """Take back `user`'s last label or skip and hold that image for them again (to be served in
    the `strategy` they are using now); None if there is nothing to undo."""
    with transaction.atomic():
        _queue_lock()
        last_label = Label.objects.filter(user=user).order_by("-created_at", "-id").first()
        last_skip = Skip.objects.filter(user=user).order_by("-created_at", "-id").first()
        last = max((x for x in (last_label, last_skip) if x), key=lambda x: x.created_at, default=None)
        if last is None:
            return None
        last.delete()
        Assignment.objects.update_or_create(user=user, defaults={
            "image": last.image, "strategy": strategy, "expires_at": timezone.now() + timedelta(minutes=HOLD_MINUTES)})
        return last.image


# ------------------------------------------------------------------------------ teacher decisions

def adjudicate(*, image: StoredImage, teacher, value: str) -> Adjudication:
    """The teacher's final answer for an image (usually a disputed one); replaces an earlier one."""
    if value not in Value.values:
        raise AppError("invalid_label", _("The label must be cat, dog or neither."))
    adjudication, _created = Adjudication.objects.update_or_create(
        image=image, defaults={"value": value, "decided_by": teacher, "created_at": timezone.now()})
    return adjudication


def mark_gold(*, image: StoredImage, teacher, value: str) -> GoldImage:
    if value not in Value.values:
        raise AppError("invalid_label", _("The label must be cat, dog or neither."))
    gold, _created = GoldImage.objects.update_or_create(image=image, defaults={"value": value, "created_by": teacher})
    return gold


def unmark_gold(*, image: StoredImage) -> None:
    GoldImage.objects.filter(image=image).delete()


def update_settings(**changes) -> LabelingSettings:
    """Change the class's labeling rules (already validated by the form or serializer)."""
    current = LabelingSettings.current()
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    return current


# -------------------------------------------------------------------------------- learning curve

MIN_CURVE_IMAGES = 40  # settled cat and dog images a simulation needs (a test split and a few sizes)


def start_learning_curve(*, user, settings: CurveSettings | None = None) -> LearningCurve:
    """Queue a learning-curve simulation on the settled cat/dog images, run by the worker."""
    from labeling.tasks import simulate_learning_curve

    settings = settings or CurveSettings()
    counts = Counter(v for v in selectors.final_labels().values() if v in ("cat", "dog"))
    if min(counts["cat"], counts["dog"]) < MIN_CURVE_IMAGES // 4 or sum(counts.values()) < MIN_CURVE_IMAGES:
        raise AppError("too_few_labels", _(
            "The simulation needs at least %(total)d settled cat and dog images, %(each)d of each "
            "(now: %(cats)d cats, %(dogs)d dogs).") % {
            "total": MIN_CURVE_IMAGES, "each": MIN_CURVE_IMAGES // 4, "cats": counts["cat"], "dogs": counts["dog"]}, 409)
    if LearningCurve.objects.filter(status__in=[LearningCurve.Status.QUEUED, LearningCurve.Status.RUNNING]).exists():
        raise AppError("curve_running", _("A simulation is already running; wait for it to finish."), 409)
    params = {**asdict(settings), "sizes": list(settings.sizes)}
    with transaction.atomic():
        curve = LearningCurve.objects.create(params=params, created_by=user)
        transaction.on_commit(lambda: simulate_learning_curve.delay(curve.pk))
    return curve
