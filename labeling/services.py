"""Writes for labeling, within one class: pictures in (upload, import, share), the queue, label, skip,
undo, teacher decisions, settings, learning curves."""
from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from classifier.images import read_image
from classifier.models import Analysis, StoredImage
from classifier.services import files_removed_on_failure, store_image
from eduai import jobs, policies
from eduai.errors import AppError, not_found
from eduai.models import Job
from labeling import ordering, scoring, selectors
from labeling.learning_curve import CurveSettings
from labeling.models import (
    DATASET_LABELER,
    QUEUE_STRATEGIES,
    UNCERTAINTY_STRATEGIES,
    Adjudication,
    Assignment,
    ClassImage,
    GoldImage,
    Label,
    LabelingSettings,
    Skip,
    Strategy,
    Value,
)

HOLD_MINUTES = 10  # how long the picture shown to a labeler is kept for them
SCORE_PER_REQUEST = 64  # unscored candidates the queue scores while a labeler waits


def _invalid_label() -> AppError:
    return AppError("invalid_label", _("The label must be cat, dog or neither."))


# ---------------------------------------------------------------------------------- pictures in

@dataclass(frozen=True)
class Imported:
    image: StoredImage
    new_image: bool  # new to the class
    label: Label | None


def import_image(*, classroom, content: bytes, name: str, value: str | None, user=None) -> Imported:
    """Store one picture through the upload checks (raises ImageRejected) into the class's dataset;
    `value` is the label its dataset folder gives it, which settles it (it skips the queue)."""
    image = read_image(content, max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES, max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
    with files_removed_on_failure() as written, transaction.atomic():
        stored = store_image(image, user=user, written=written)
        _entry, new = ClassImage.objects.get_or_create(classroom=classroom, image=stored,
                                                       defaults={"shared_by": user, "original_name": name[:255]})
        label = None
        if value is not None:
            label, _created = Label.objects.update_or_create(
                classroom=classroom, image=stored, labeler=DATASET_LABELER,
                defaults={"value": value, "strategy": Strategy.DATASET, "user": user},
            )
    return Imported(stored, new, label)


def share_analysis(*, user, analysis: Analysis, classroom) -> ClassImage:
    """The owner puts an analysed photo into one of their classes: classmates and teachers see it from
    now on (without its file name). Sharing again changes nothing."""
    if not policies.can_see_analysis(user, analysis):
        raise not_found(_("That analysis does not exist or is not yours."))
    if not policies.is_member(user, classroom):
        raise not_found(_("That class does not exist or you are not in it."))
    try:
        with transaction.atomic():
            entry, _created = ClassImage.objects.get_or_create(classroom=classroom, image=analysis.image,
                                                               defaults={"shared_by": user})
    except IntegrityError:  # shared twice at the same moment
        entry = ClassImage.objects.get(classroom=classroom, image=analysis.image)
    return entry


# ----------------------------------------------------------------------------------------- queue

def next_image(*, classroom, user, strategy: str) -> Assignment | None:
    """The picture `user` should label now, held for them for a while; None when nothing is left."""
    if strategy not in QUEUE_STRATEGIES:
        raise AppError("invalid_strategy", _("Unknown ordering: %(strategy)s.") % {"strategy": strategy})
    needed = LabelingSettings.of(classroom).labels_per_image
    candidates = selectors.queue_candidates(classroom=classroom, user=user, needed=needed)
    current = selectors.held_for(classroom=classroom, user=user)
    if current and current.strategy == strategy and current.image_id in candidates:
        return current
    ranked = _ranked(classroom, candidates, user=user, strategy=strategy)
    with transaction.atomic():
        _queue_lock(classroom)
        Assignment.objects.filter(classroom=classroom, user=user).delete()
        available = selectors.queue_candidates(classroom=classroom, user=user, needed=needed)
        for image_id in ranked:
            if image_id in available:
                return Assignment.objects.create(classroom=classroom, user=user, image_id=image_id, strategy=strategy,
                                                 expires_at=timezone.now() + timedelta(minutes=HOLD_MINUTES))
    return None


def _queue_lock(classroom) -> None:
    """Serialise everything that changes who may be shown what in a class (picks, labels, skips, undo)
    until the transaction ends. Counting votes and held pictures takes several queries; without the
    lock a label committed between them could let one picture go to one person too many."""
    LabelingSettings.of(classroom)
    LabelingSettings.objects.select_for_update().get(classroom=classroom)


def _ranked(classroom, candidates: set[int], *, user, strategy: str) -> list[int]:
    """Candidates in the order the strategy wants; pictures flagged "the model is wrong" come first."""
    ids = sorted(candidates)
    if strategy == Strategy.RANDOM:
        # a fixed order per labeler, so students do not all see the same picture first
        order = ordering.random_order(ids, seed=zlib.crc32(f"{classroom.pk}:{user.pk}:{len(ids)}".encode()))
    else:
        order = _model_order(classroom, ids, user=user, strategy=strategy)
    flagged = selectors.flagged_by_students(classroom)
    return [i for i in order if i in flagged] + [i for i in order if i not in flagged]


def _model_order(classroom, ids: list[int], *, user, strategy: str) -> list[int]:
    model = scoring.class_model(classroom)
    if model is None:
        raise AppError("no_active_model", _("No model is active, so only the random order works."), 409)
    scoring.score_images(ids, model=model, limit=SCORE_PER_REQUEST)
    scores = selectors.scores_of(ids, version_id=model.version_id)
    scored = [i for i in ids if i in scores]
    unscored = [i for i in ids if i not in scores]
    if unscored:
        scoring.score_in_the_worker(classroom=classroom, owner=user)
    if not scored:
        return unscored
    if strategy in UNCERTAINTY_STRATEGIES:
        probabilities = np.array([[scores[i].probabilities[v] for v in Value.values] for i in scored])
        return ordering.uncertainty_order(scored, probabilities, measure=strategy) + unscored
    turn = Label.objects.filter(classroom=classroom, user=user, strategy=Strategy.DIVERSITY).count()
    embeddings = np.stack([scoring.embedding_of(scores[i]) for i in scored])
    return ordering.diversity_order(scored, embeddings, turn=turn) + unscored


def label_image(*, classroom, user, image: StoredImage, value: str, strategy: str) -> Label:
    """Record `user`'s label for a picture of the class that still needs labels or was served to them;
    AppError if they already labelled it or may not label it now."""
    if value not in Value.values:
        raise _invalid_label()
    if strategy not in QUEUE_STRATEGIES and strategy != Strategy.MODEL_WRONG:
        raise AppError("invalid_strategy", _("Unknown ordering: %(strategy)s.") % {"strategy": strategy})
    if not selectors.in_class(classroom, image.pk):
        raise not_found(_("That image does not exist."))
    try:
        with transaction.atomic():
            _queue_lock(classroom)
            if Label.objects.filter(classroom=classroom, image=image, user=user).exists():
                raise IntegrityError("already labelled")
            if not _may_label(classroom, user=user, image=image, strategy=strategy):
                raise AppError("not_labelable", _(
                    "This picture does not need your label now. Take the next one from the queue."), 409)
            label = Label.objects.create(classroom=classroom, image=image, user=user, labeler=user.get_username(),
                                         value=value, strategy=strategy)
            Assignment.objects.filter(classroom=classroom, user=user).delete()
    except IntegrityError as error:
        raise AppError("already_labeled", _("You have already labelled this image."), 409) from error
    return label


def _may_label(classroom, *, user, image: StoredImage, strategy: str) -> bool:
    """Held for them, still needing labels, or their own photo they said the model got wrong."""
    held = selectors.held_for(classroom=classroom, user=user)
    if held is not None and held.image_id == image.pk:
        return True
    if strategy == Strategy.MODEL_WRONG and image.analyses.filter(user=user).exists():
        return True
    needed = LabelingSettings.of(classroom).labels_per_image
    return image.pk in selectors.queue_candidates(classroom=classroom, user=user, needed=needed)


def report_model_wrong(*, user, analysis: Analysis, value: str, classroom) -> Label:
    """"The model is wrong": the student shares the photo into the class with their answer as a label,
    and it goes to the front of everyone else's queue."""
    if value not in Value.values:
        raise _invalid_label()
    if value == scoring.LABEL_OF_VERDICT[analysis.label]:
        raise AppError("same_as_model", _("That is what the model said. Choose the right answer."))
    share_analysis(user=user, analysis=analysis, classroom=classroom)
    return label_image(classroom=classroom, user=user, image=analysis.image, value=value, strategy=Strategy.MODEL_WRONG)


def skip_image(*, classroom, user, image: StoredImage) -> None:
    if not selectors.in_class(classroom, image.pk):
        raise not_found(_("That image does not exist."))
    with transaction.atomic():
        _queue_lock(classroom)
        Skip.objects.get_or_create(classroom=classroom, user=user, image=image)
        Assignment.objects.filter(classroom=classroom, user=user).delete()


def undo_last(*, classroom, user, strategy: str) -> StoredImage | None:
    """Take back `user`'s last label or skip in the class and hold that picture for them again (to be
    served in the `strategy` they are using now); None if there is nothing to undo."""
    with transaction.atomic():
        _queue_lock(classroom)
        last_label = Label.objects.filter(classroom=classroom, user=user).order_by("-created_at", "-id").first()
        last_skip = Skip.objects.filter(classroom=classroom, user=user).order_by("-created_at", "-id").first()
        last = max((x for x in (last_label, last_skip) if x), key=lambda x: x.created_at, default=None)
        if last is None:
            return None
        last.delete()
        Assignment.objects.update_or_create(classroom=classroom, user=user, defaults={
            "image": last.image, "strategy": strategy, "expires_at": timezone.now() + timedelta(minutes=HOLD_MINUTES)})
        return last.image


# ------------------------------------------------------------------------------ teacher decisions

def _class_picture(classroom, image: StoredImage) -> StoredImage:
    if not selectors.in_class(classroom, image.pk):
        raise not_found(_("That image does not exist."))
    return image


def adjudicate(*, classroom, image: StoredImage, teacher, value: str) -> Adjudication:
    """The teacher's final answer for a picture (usually a disputed one); replaces an earlier one."""
    if value not in Value.values:
        raise _invalid_label()
    adjudication, _created = Adjudication.objects.update_or_create(
        classroom=classroom, image=_class_picture(classroom, image),
        defaults={"value": value, "decided_by": teacher, "created_at": timezone.now()})
    return adjudication


def mark_gold(*, classroom, image: StoredImage, teacher, value: str) -> GoldImage:
    if value not in Value.values:
        raise _invalid_label()
    gold, _created = GoldImage.objects.update_or_create(
        classroom=classroom, image=_class_picture(classroom, image), defaults={"value": value, "created_by": teacher})
    return gold


def unmark_gold(*, classroom, image: StoredImage) -> None:
    GoldImage.objects.filter(classroom=classroom, image=image).delete()


def update_settings(*, classroom, **changes) -> LabelingSettings:
    """Change the class's labeling rules (already validated by the form or serializer)."""
    current = LabelingSettings.of(classroom)
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    return current


# -------------------------------------------------------------------------------- learning curve

MIN_CURVE_IMAGES = 40  # settled cat and dog pictures a simulation needs (a test split and a few sizes)


def start_learning_curve(*, classroom, user, settings: CurveSettings | None = None) -> Job:
    """Queue a learning-curve simulation on the class's settled cat/dog pictures, run by the worker."""
    settings = settings or CurveSettings()
    counts = Counter(v for v in selectors.final_labels(classroom).values() if v in ("cat", "dog"))
    if min(counts["cat"], counts["dog"]) < MIN_CURVE_IMAGES // 4 or sum(counts.values()) < MIN_CURVE_IMAGES:
        raise AppError("too_few_labels", _(
            "The simulation needs at least %(total)d settled cat and dog images, %(each)d of each "
            "(now: %(cats)d cats, %(dogs)d dogs).") % {
            "total": MIN_CURVE_IMAGES, "each": MIN_CURVE_IMAGES // 4, "cats": counts["cat"], "dogs": counts["dog"]}, 409)
    with transaction.atomic():
        if jobs.active_jobs(kind=Job.Kind.LEARNING_CURVE, classroom=classroom).exists():
            raise AppError("curve_running", _("A simulation is already running; wait for it to finish."), 409)
        return jobs.start_job(kind=Job.Kind.LEARNING_CURVE, classroom=classroom, owner=user,
                              params={**asdict(settings), "sizes": list(settings.sizes)})
