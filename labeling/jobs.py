"""The worker's side of labeling jobs: scoring a class's pictures, simulating a learning curve."""
from __future__ import annotations

from classifier.models import StoredImage
from labeling import learning_curve, scoring
from labeling.selectors import final_labels

CLASSES = ("cat", "dog")
REFERENCE_LABELS = 500  # how many labels uncertainty sampling needs to match random sampling at this many


def run_scoring(job, progress) -> dict:
    """Score the job's pictures (or every picture of its class) with the class's model."""
    def report(done, total):
        progress.update(progress=done / total if total else 1.0, scored=done, total=total)
        progress.raise_if_cancelled()

    progress.stage("score")
    scored = scoring.score_class(classroom=job.classroom, ids=job.params.get("images"), progress=report)
    return {"scored": scored}


def run_learning_curve(job, progress) -> dict:
    """Embed the class's settled cat/dog pictures with the pretrained network and simulate random vs
    uncertainty sampling; the curve is the job's result."""
    labels = {i: v for i, v in final_labels(job.classroom).items() if v in CLASSES}
    ids = sorted(labels)
    keys = dict(StoredImage.objects.filter(pk__in=ids).values_list("id", "sha256"))

    def report(stage):
        def callback(done, total):
            progress.stage(stage, done / total if total else 1.0)
            progress.update(step={"stage": stage, "done": done, "total": total})
            progress.raise_if_cancelled()
        return callback

    embeddings = scoring.pretrained_embeddings(ids, progress=report("embed"))
    settings = learning_curve.CurveSettings(**{**job.params, "sizes": tuple(job.params["sizes"])})
    result = learning_curve.simulate(embeddings, [CLASSES.index(labels[i]) for i in ids], [keys[i] for i in ids],
                                     settings, progress=report("simulate"))
    reference = max((n for n in result["sizes"] if n <= REFERENCE_LABELS), default=result["sizes"][0])
    result["labels_needed"] = {**learning_curve.labels_needed(result, at=reference), "at": reference}
    return result
