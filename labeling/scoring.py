"""The active model's answer and embedding for stored images, cached per model version (ONNX Runtime only)."""
from __future__ import annotations

import dataclasses
import logging

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction

from classifier import zero_shot
from classifier.images import ImageRejected, read_image
from classifier.models import StoredImage
from classifier.services import verdicts
from labeling.models import ImageScore
from labeling.selectors import answer_of
from ml_models.models import ModelVersion
from ml_models.runtime import ActiveModel, ImageNetModel, LoadedModel, NoActiveModel

BATCH = 16
log = logging.getLogger(__name__)


def answer_distribution(verdict: zero_shot.Verdict) -> dict[str, float]:
    """The model's answer over the labels students choose from: cat, dog, neither (summing to 1)."""
    pet = 1.0 - verdict.unusual_score
    return {"cat": verdict.cat * pet, "dog": verdict.dog * pet, "neither": verdict.unusual_score}


def score_images(image_ids, *, limit: int | None = None) -> int:
    """Score the images that the active version has not scored yet (at most `limit`); returns how many.
    Does nothing when no model is active."""
    model = active_model()
    if model is None:
        return 0
    done = set(ImageScore.objects.filter(model_version_id=model.version_id, image_id__in=list(image_ids))
               .values_list("image_id", flat=True))
    missing = [image_id for image_id in image_ids if image_id not in done][:limit]
    images = list(StoredImage.objects.filter(pk__in=missing))
    for start in range(0, len(images), BATCH):
        _score_batch(images[start:start + BATCH], model)
    return len(images)


def active_model() -> LoadedModel | None:
    """The active model, or None when there is none or its files cannot be loaded here: scores are a
    cache, so their absence must never break an upload, an import or a page."""
    try:
        return ActiveModel.get()
    except NoActiveModel:
        return None
    except Exception:
        log.warning("images not scored: the active model cannot be loaded", exc_info=True)
        return None


def _score_batch(images: list[StoredImage], model: LoadedModel) -> None:
    readable, pictures = [], []
    for image in images:
        try:
            with image.file.open("rb") as handle:
                pictures.append(read_image(handle.read(), max_bytes=2**40, max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS).rgb)
            readable.append(image)
        except (OSError, ImageRejected):  # a file gone missing from media: nothing to score
            continue
    if not readable:
        return
    answers, _imagenet_out, own_out = verdicts(model, pictures)
    for i, (image, verdict) in enumerate(zip(readable, answers)):
        try:
            with transaction.atomic():
                ImageScore.objects.create(
                    image=image, model_version_id=model.version_id,
                    probabilities={k: round(float(v), 6) for k, v in answer_distribution(verdict).items()},
                    embedding=own_out["embedding"][i].astype(np.float16).tobytes(),
                )
        except IntegrityError:  # scored at the same time by another request
            continue


def pretrained_embeddings(image_ids: list[int], *, progress=None) -> np.ndarray:
    """The pretrained ImageNet network's embeddings for these images (n, features), in order; computed
    once and cached under its registered version."""
    version = ModelVersion.objects.filter(kind=ModelVersion.Kind.IMAGENET_ZERO_SHOT).order_by("-is_active", "-version").first()
    if version is None:
        raise NoActiveModel()
    model = dataclasses.replace(ImageNetModel.get(), version_id=version.pk)
    cached = set(ImageScore.objects.filter(model_version=version, image_id__in=image_ids).values_list("image_id", flat=True))
    missing = list(StoredImage.objects.filter(pk__in=[i for i in image_ids if i not in cached]))
    for start in range(0, len(missing), BATCH):
        _score_batch(missing[start:start + BATCH], model)
        if progress:
            progress(min(start + BATCH, len(missing)), len(missing))
    scores = {score.image_id: score for score in ImageScore.objects.filter(model_version=version, image_id__in=image_ids)}
    return np.stack([embedding_of(scores[i]) for i in image_ids])


def embedding_of(score: ImageScore) -> np.ndarray:
    return np.frombuffer(bytes(score.embedding), dtype=np.float16).astype(np.float32)


def model_answer(image_id: int) -> dict | None:
    """The active model's answer for one image ({"version", "answer", "probabilities"}), scoring it
    first if needed; None when no model is active or the file cannot be read."""
    model = active_model()
    if model is None:
        return None
    score_images([image_id])
    score = ImageScore.objects.filter(image_id=image_id, model_version_id=model.version_id).first()
    if score is None:
        return None
    probabilities = score.probabilities
    return {"version": f"{model.name} v{model.version}", "answer": answer_of(probabilities),
            "probabilities": probabilities}
