"""Worker tasks for labeling: scoring pictures with the active model, the learning-curve simulation."""
from __future__ import annotations

import traceback

from celery import shared_task
from django.utils import timezone

from classifier.models import StoredImage
from labeling import learning_curve, scoring
from labeling.models import LearningCurve
from labeling.selectors import final_labels

CLASSES = ("cat", "dog")
REFERENCE_LABELS = 500  # how many labels uncertainty sampling needs to match random sampling at this many


@shared_task
def score_missing_images() -> int:
    """Score every stored picture the active model has not scored yet; returns how many."""
    return scoring.score_images(list(StoredImage.objects.values_list("id", flat=True)))


@shared_task
def simulate_learning_curve(curve_id: int) -> str:
    """Embed the settled cat/dog images with the pretrained network and simulate random vs
    uncertainty sampling; the result (or the error) is stored on the LearningCurve."""
    curve = LearningCurve.objects.get(pk=curve_id)
    if curve.status != LearningCurve.Status.QUEUED:  # delivered twice: the first delivery does the work
        return curve.status
    curve.status = LearningCurve.Status.RUNNING
    curve.save(update_fields=["status"])
    try:
        labels = {i: v for i, v in final_labels().items() if v in CLASSES}
        ids = sorted(labels)
        keys = dict(StoredImage.objects.filter(pk__in=ids).values_list("id", "sha256"))

        def report(stage, done, total):
            curve.result = {"progress": {"stage": stage, "done": done, "total": total}}
            curve.save(update_fields=["result"])

        embeddings = scoring.pretrained_embeddings(ids, progress=lambda d, t: report("embed", d, t))
        settings = learning_curve.CurveSettings(**{**curve.params, "sizes": tuple(curve.params["sizes"])})
        result = learning_curve.simulate(embeddings, [CLASSES.index(labels[i]) for i in ids],
                                         [keys[i] for i in ids], settings,
                                         progress=lambda d, t: report("simulate", d, t))
        reference = max((n for n in result["sizes"] if n <= REFERENCE_LABELS), default=result["sizes"][0])
        result["labels_needed"] = {**learning_curve.labels_needed(result, at=reference), "at": reference}
        curve.result, curve.status = result, LearningCurve.Status.DONE
    except Exception as error:  # reported on the curve for the teacher; the worker goes on
        curve.status, curve.error = LearningCurve.Status.FAILED, f"{type(error).__name__}: {error}"
        curve.result = {"traceback": traceback.format_exc()}
    curve.finished_at = timezone.now()
    curve.save()
    return curve.status
