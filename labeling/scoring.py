"""A class's model's answers and embeddings for stored pictures, cached per model version (ONNX Runtime
only). Scores are a cache: a model that cannot be loaded never breaks an upload, an import or a page."""
from __future__ import annotations

import logging
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from classifier.images import ImageRejected, read_image
from classifier.models import StoredImage
from eduai import jobs
from eduai.models import Job
from labeling.models import ImageScore
from labeling.selectors import image_ids
from ml_models import runtime
from ml_models import selectors as model_selectors
from ml_models.core.answer import Verdict
from ml_models.core.inference import ServedModel

BATCH = 16
LABEL_OF_VERDICT = {"cat": "cat", "dog": "dog", "unusual": "neither"}  # the analyzer's answer, in labels
SCORING_REPEAT_MINUTES = 10  # a class's missing scores are asked of the worker at most this often
log = logging.getLogger(__name__)


def class_model(classroom) -> ServedModel | None:
    """The model that answers for the class, or None when there is none or it cannot be loaded here."""
    try:
        return runtime.model_for(classroom)
    except runtime.NoActiveModel:
        return None
    except Exception:  # noqa: BLE001 - see the module docstring
        log.warning("pictures not scored: the class's model cannot be loaded", exc_info=True)
        return None


def score_images(ids, *, model: ServedModel | None, limit: int | None = None, progress=None) -> int:
    """Score the pictures `model` has not scored yet (at most `limit`); returns how many. `progress`,
    if given, is called with (done, total) after each batch and may raise jobs.Cancelled."""
    if model is None:
        return 0
    ids = list(ids)
    done = set(ImageScore.objects.filter(model_version_id=model.version_id, image_id__in=ids)
               .values_list("image_id", flat=True))
    missing = [image_id for image_id in ids if image_id not in done][:limit]
    images = list(StoredImage.objects.filter(pk__in=missing))
    for start in range(0, len(images), BATCH):
        _score_batch(images[start:start + BATCH], model)
        if progress:
            progress(min(start + BATCH, len(images)), len(images))
    return len(images)


def _score_batch(images: list[StoredImage], model: ServedModel) -> None:
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
    verdicts, embeddings = model.verdicts(pictures)
    for image, verdict, embedding in zip(readable, verdicts, embeddings):
        try:
            with transaction.atomic():
                ImageScore.objects.create(image=image, model_version_id=model.version_id,
                                          embedding=embedding.astype(np.float16).tobytes(), **stored_fields(verdict))
        except IntegrityError:  # scored at the same time by another request
            continue


def stored_fields(verdict: Verdict) -> dict:
    """What a score keeps of a verdict: its answer as a label, and the three shares the uncertainty
    orders rank (Verdict.distribution: cat·(1−u), dog·(1−u), neither = u, where u is the unusual score)."""
    return {"probabilities": {k: round(float(v), 6) for k, v in verdict.distribution().items()},
            "answer": LABEL_OF_VERDICT[verdict.label]}


def score_in_the_worker(*, classroom, owner=None, image_ids_to_score=None) -> Job | None:
    """Ask the worker to score the class's pictures its model has not scored (after an upload, a new
    active version or a large import); at most one such job per class every few minutes."""
    recent = timezone.now() - timedelta(minutes=SCORING_REPEAT_MINUTES)
    if image_ids_to_score is None and Job.objects.filter(kind=Job.Kind.SCORING, classroom=classroom,
                                                         created_at__gte=recent, params__all=True).exists():
        return None
    params = {"images": list(image_ids_to_score)} if image_ids_to_score is not None else {"all": True}
    return jobs.start_job(kind=Job.Kind.SCORING, classroom=classroom, owner=owner, params=params)


def pretrained_embeddings(ids: list[int], *, progress=None) -> np.ndarray:
    """The pretrained network's embeddings for these pictures (n, features), in order; computed once
    and cached under its registered version."""
    version = model_selectors.default_version()
    if version is None:
        raise runtime.NoActiveModel()
    model = runtime.sessions.get(version)
    score_images(ids, model=model, progress=progress)
    scores = {score.image_id: score for score in ImageScore.objects.filter(model_version=version, image_id__in=ids)}
    return np.stack([embedding_of(scores[i]) for i in ids])


def embedding_of(score: ImageScore) -> np.ndarray:
    return np.frombuffer(bytes(score.embedding), dtype=np.float16).astype(np.float32)


def verdict_of(score: ImageScore, *, threshold: float) -> Verdict:
    """The verdict a score was made from, rebuilt from its stored shares (cat·(1−u), dog·(1−u), u) and
    the version's unusual threshold: the label is the stored answer, P(cat | cat or dog) comes back as
    cat / (cat + dog)."""
    shares = score.probabilities
    pet = shares["cat"] + shares["dog"]
    cat = shares["cat"] / pet if pet > 0 else 0.5
    label = {value: key for key, value in LABEL_OF_VERDICT.items()}[score.answer]
    return Verdict(label=label, cat=cat, dog=1.0 - cat, unusual_score=shares["neither"], unusual_threshold=threshold)


def answer_payload(score: ImageScore, *, model: ServedModel) -> dict:
    """What the labeling pages and API show of a version's answer: the analyzer's answer and the number
    that belongs to it (P(answer | cat or dog) for cat and dog, the unusual score against its threshold
    for neither), and apart from them the three shares the uncertainty orders rank."""
    verdict = verdict_of(score, threshold=float(model.signature["decision"]["unusual"]["threshold"]))
    confidence = {"cat": verdict.cat, "dog": verdict.dog, "neither": verdict.unusual_score}[score.answer]
    return {
        "version": f"{model.name} v{model.version}",
        "answer": score.answer,
        "confidence": confidence,
        "cat": verdict.cat,
        "dog": verdict.dog,
        "unusual_score": verdict.unusual_score,
        "unusual_threshold": verdict.unusual_threshold,
        "shares": dict(score.probabilities),
        "probabilities": dict(score.probabilities),  # the shares under their old name, for existing clients
    }


def model_answer(classroom, image_id: int) -> dict | None:
    """The class's model's answer for one picture (see answer_payload), scoring it first if needed;
    None when no model is active or the file cannot be read."""
    model = class_model(classroom)
    if model is None:
        return None
    score_images([image_id], model=model)
    score = ImageScore.objects.filter(image_id=image_id, model_version_id=model.version_id).first()
    if score is None:
        return None
    return answer_payload(score, model=model)


def score_class(*, classroom, ids=None, progress=None) -> int:
    """Score the class's pictures (or only `ids` of them) with the class's model."""
    return score_images(ids if ids is not None else list(image_ids(classroom)), model=class_model(classroom),
                        progress=progress)
