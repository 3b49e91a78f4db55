"""The data behind each lesson widget, for the reader's class (GET /api/v1/classes/{id}/widgets/{name}/).

One function per widget of `lessons.widgets` (named by `Widget.data_function`), called with options already
validated; each returns JSON-ready data, or `{"empty": message}` while the class has no such data. What a
reader sees follows eduai/policies.py: only pictures of the class (never a private photo nor a file name),
no gold answers for students, no votes, and no run or version of another class (a 404, as if it did not
exist). `STRINGS` (lessons/widget_strings.py) holds the words each widget's JavaScript module shows.
"""
from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from classifier.images import ImageRejected, read_image
from classifier.models import StoredImage
from classifier.selectors import analyses_of
from eduai import jobs, policies
from eduai.errors import not_found
from eduai.models import Job
from labeling import agreement, scoring, selectors
from labeling.models import DATASET_LABELER, GoldImage, ImageScore, Label, LabelingSettings
from labeling.serializers import LearningCurveOutput
from lessons.widget_strings import STRINGS
from ml_models import runtime
from ml_models.core.occlusion import faithfulness
from ml_models.core.cam import FIXED_SCALE_LOGITS, fixed_scale, heatmap_png
from ml_models.models import ModelVersion
from ml_models.selectors import serving_version, versions_for
from training import selectors as training_selectors
from training.models import TrainingRun
from training.pipeline.config import AugmentConfig, TrainingConfig
from training.pipeline.data import Example, split_by_hash
from training.serializers import RunOutput

RECENT_ANALYSES = 12  # photos the augmentation widget offers
CAM_CACHE_SECONDS = 7 * 24 * 3600  # keyed by the version's and the picture's sha256: never stale, only evicted

__all__ = ["STRINGS", "active_model_mistakes", "active_model_right_answers", "active_model_test_accuracy",
           "settled_count", "cam", "labeling_progress", "augmentation", "curves", "cross_validation", "confusion",
           "artifacts", "learning_curve", "time_machine"]


def _empty(message) -> dict:
    return {"empty": str(message)}


def _picture_url(classroom, image_id: int) -> str:
    """The class picture's file, for the class's members (labeling.views.ImageFile)."""
    return reverse("labeling:image-file", kwargs={"class_id": classroom.pk, "pk": image_id})


def _version_summary(version: ModelVersion) -> dict:
    return {"id": version.pk, "name": version.name, "version": version.version,
            "pretrained": version.kind == ModelVersion.Kind.IMAGENET_ZERO_SHOT}


def _gold_ids(classroom) -> set[int]:
    return set(GoldImage.objects.filter(classroom=classroom).values_list("image_id", flat=True))


# ------------------------------------------------------------------------------ the active model's answers

@dataclass
class _Scored:
    """The pictures the serving version is measured on, their true labels and its answers (labels)."""

    version: ModelVersion | None
    truths: dict[int, str] = field(default_factory=dict)
    answers: dict[int, str] = field(default_factory=dict)
    known: bool = True  # False: a trained version whose run (and so its test split) is gone

    @cached_property
    def scored(self) -> list[int]:
        return sorted(image_id for image_id in self.truths if image_id in self.answers)

    @cached_property
    def wrong(self) -> list[int]:
        return [image_id for image_id in self.scored if self.answers[image_id] != self.truths[image_id]]

    @cached_property
    def right(self) -> list[int]:
        return [image_id for image_id in self.scored if self.answers[image_id] == self.truths[image_id]]


def _test_split(run: TrainingRun) -> dict[int, str]:
    """{image id: label in the run's snapshot} of the run's test split (the pipeline's own split_by_hash,
    as labeling.selectors._test_set cuts it)."""
    config = TrainingConfig.from_dict(run.config)
    names = list(config.class_names)
    items = {item["sha256"]: item for item in run.dataset if item.get("label") in names}
    examples = [Example(sha256, Path(), names.index(item["label"])) for sha256, item in items.items()]
    test = split_by_hash(examples, validation_fraction=config.validation_fraction,
                         test_fraction=config.test_fraction).test
    return {items[example.sha256]["image_id"]: items[example.sha256]["label"] for example in test}


def _scored_by_active_model(classroom) -> _Scored:
    """A trained version is measured on its test split; the pretrained one (never trained on these labels)
    on every settled picture. Only pictures still in the class count."""
    version = serving_version(classroom=classroom)
    if version is None:
        return _Scored(None)
    if version.kind == ModelVersion.Kind.CLASSIFIER:
        run = TrainingRun.objects.filter(model_version=version).only("config", "dataset").first()
        try:
            split = _test_split(run) if run is not None else None
        except (TypeError, ValueError):  # a configuration this code no longer reads
            split = None
        if split is None:
            return _Scored(version, known=False)
        in_class = set(selectors.image_ids(classroom))
        truths = {image_id: label for image_id, label in split.items() if image_id in in_class}
    else:
        truths = selectors.final_labels(classroom)
    answers = dict(ImageScore.objects.filter(model_version=version, image_id__in=list(truths))
                   .values_list("image_id", "answer"))
    return _Scored(version, truths, answers)


def active_model_mistakes(classroom) -> list[tuple[int, str, str]]:
    """(picture id, true label, the active model's answer) of the pictures it gets wrong, by id. Gold
    pictures are left out: students are shown these, and a gold picture's answer is the teachers'."""
    scored, gold = _scored_by_active_model(classroom), _gold_ids(classroom)
    return [(image_id, scored.truths[image_id], scored.answers[image_id]) for image_id in scored.wrong
            if image_id not in gold]


def active_model_right_answers(classroom) -> list[int]:
    """Pictures the active model gets right, by id (gold pictures left out, as in active_model_mistakes)."""
    scored, gold = _scored_by_active_model(classroom), _gold_ids(classroom)
    return [image_id for image_id in scored.right if image_id not in gold]


def active_model_test_accuracy(classroom) -> tuple[float, int] | None:
    """(accuracy 0-1, pictures counted) of the active model as the confusion widget shows it; None until
    one of its pictures is scored."""
    scored = _scored_by_active_model(classroom)
    if not scored.scored:
        return None
    return len(scored.right) / len(scored.scored), len(scored.scored)


def settled_count(classroom) -> int:
    """Pictures whose label is settled, as students see it (a gold picture counts as its votes say: the
    teachers' answer and how many gold pictures there are stay with them)."""
    return sum(state.final is not None for state in selectors.image_states(classroom=classroom,
                                                                            reveal_gold=False).values())


# ------------------------------------------------------------------------------------------------- cam

def cam(*, classroom, user, options: dict) -> dict:
    """The class model's answer for one picture of the class and its heatmap (CAM evidence, fixed scale)."""
    choice, truth = options["image"], None
    if isinstance(choice, int):
        if not selectors.in_class(classroom, choice):
            raise not_found(_("That picture is not in your class."))
        if not _answers_shown(classroom, user, [choice]):
            return _empty(_("Label this picture first (Labeling): you see the model's answer on a picture once you "
                            "have answered it yourself, so that it does not sway your label."))
        image_id = choice
    elif choice == "mistake":
        mistakes = active_model_mistakes(classroom)
        shown = set(_answers_shown(classroom, user, [image_id for image_id, _truth, _answer in mistakes]))
        mistakes = [mistake for mistake in mistakes if mistake[0] in shown]
        if not mistakes:
            return _empty(_no_mistake_message(classroom))
        image_id, truth, _answer = mistakes[0]
    else:
        gold = _gold_ids(classroom)
        settled = sorted(image_id for image_id, label in selectors.final_labels(classroom).items()
                         if label == choice and image_id not in gold)
        if not settled:
            return _empty(_("Your class has no picture settled as “%(label)s” yet: label some in the labeling "
                            "queue (Labeling).") % {"label": STRINGS["cam"][f"label_{choice}"]})
        image_id = settled[0]
    state = selectors.states_for(classroom=classroom, user=user, image_ids=[image_id]).get(image_id)
    image = StoredImage.objects.only("sha256", "file").get(pk=image_id)
    try:
        explained = _explained(classroom, image)
    except (OSError, ImageRejected):  # its file went missing from the media folder
        return _empty(_("The file of this picture cannot be read."))
    label = truth or (state.final if state else None)  # a mistake: the label it was measured against
    return {"image": {"id": image_id, "url": _picture_url(classroom, image_id), "label": label},
            "chosen": "id" if isinstance(choice, int) else choice, **explained}


def _answers_shown(classroom, user, image_ids: list[int]) -> list[int]:
    """The pictures whose model answer `user` may see (policies.votes_visible): labelers answer blind."""
    return selectors.model_answers_shown(classroom, user, image_ids)  # the labeling rule, not a copy


def _no_mistake_message(classroom) -> str:
    scored = _scored_by_active_model(classroom)
    if not scored.truths:
        return _("Your class has no settled pictures yet, so there is no mistake to show: label some in the "
                 "labeling queue (Labeling).")
    if not scored.scored:
        _ask_for_scores(classroom, scored)
        return _("The active model has not answered your class's pictures yet: the background process does it. "
                 "Come back in a minute.")
    return _("The active model gets right every picture it can show you here: there is no mistake to show.")


def _explained(classroom, image: StoredImage) -> dict:
    """The answer, probabilities, unusual score and heatmap of the class's serving model for one picture,
    computed once per (version, picture): both are named by their sha256."""
    model = runtime.model_for(classroom)
    version = ModelVersion.objects.only("name", "version", "kind", "sha256").get(pk=model.version_id)
    key = f"lessons:cam:{version.sha256}:{image.sha256}"
    explained = cache.get(key)
    if explained is None:
        with image.file.open("rb") as handle:
            picture = read_image(handle.read(), max_bytes=2**40, max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
        answer = model.answer(picture.rgb)
        verdict = answer.verdict
        png = heatmap_png(fixed_scale(answer.evidence), (picture.width, picture.height))
        faithful = faithfulness(model, model.inputs([picture.rgb])[0], answer.evidence, label=verdict.label)
        explained = {
            "answer": verdict.label, "probabilities": {"cat": verdict.cat, "dog": verdict.dog},
            "unusual_score": verdict.unusual_score, "unusual_threshold": verdict.unusual_threshold,
            "heatmap_url": "data:image/png;base64," + base64.b64encode(png).decode(),
            "grid": list(answer.evidence.shape), "strongest": round(float(answer.evidence.max()), 4),
            "fixed_scale_logits": FIXED_SCALE_LOGITS, "explained": answer.explained, "against": answer.against,
            "faithfulness": faithful.as_dict(),  # the same check as GET /api/v1/analyses/{id}/faithfulness/
        }
        cache.set(key, explained, CAM_CACHE_SECONDS)
    return {**explained, "version": _version_summary(version)}


def _ask_for_scores(classroom, scored: _Scored) -> None:
    """Pictures the active model has not answered yet: the worker scores them (at most every few minutes)."""
    if scored.version is not None and len(scored.scored) < len(scored.truths):
        scoring.score_in_the_worker(classroom=classroom)


# ------------------------------------------------------------------------------------ labeling-progress

def labeling_progress(*, classroom, user, options: dict) -> dict:
    """Pictures per status and per settled label, how many labelers, and Fleiss' kappa with its meaning."""
    teacher = policies.sees_gold(user, classroom)
    states = selectors.image_states(classroom=classroom, reveal_gold=teacher)
    if not states:
        return _empty(_("Your class has no pictures yet: share one of your analyzed photos into the class, or "
                        "ask your teacher to upload some in Labeling."))
    votes = list(Label.objects.filter(classroom=classroom).exclude(labeler=DATASET_LABELER)
                 .values_list("image_id", "labeler", "value"))
    kappa, rated = agreement.fleiss_kappa(votes), agreement.rated_images(votes)
    settled = [state.final for state in states.values() if state.final is not None]
    return {
        "total": len(states),
        "statuses": dict(Counter(state.status for state in states.values())),
        "categories": {value: settled.count(value) for value in ("cat", "dog", "neither")},
        "settled": len(settled),
        "labels_per_image": LabelingSettings.of(classroom).labels_per_image,
        "labelers": len({labeler for _image, labeler, _value in votes}),
        "votes": len(votes),
        "kappa": kappa, "kappa_pictures": rated, "kappa_meaning": agreement.kappa_meaning(kappa, images=rated),
        "min_shared": agreement.MIN_SHARED_IMAGES,
        "agreement_url": reverse("labeling:agreement", kwargs={"class_id": classroom.pk}),
    }


# ----------------------------------------------------------------------------------------- augmentation

def augmentation(*, classroom, user, options: dict) -> dict:
    """The reader's own recent analyses to pick from; the module asks the worker for the augmented copies."""
    analyses = list(analyses_of(user=user)[:RECENT_ANALYSES])
    if not analyses:
        return _empty(_("You have not analyzed any photo yet: analyze one on the Analyze page, then come back "
                        "here to see augmented copies of it. Your photo stays private."))
    return {
        "analyses": [{"id": analysis.pk, "label": analysis.label, "created_at": analysis.created_at.isoformat(),
                      "thumbnail_url": reverse("classifier:analysis-image", args=[analysis.pk])}
                     for analysis in analyses],
        # the widget's options; the preview's other changes (shift, contrast, brightness) stay off
        "augment": {**{name: 0.0 for name in ("translation", "contrast", "brightness")},
                    "flip": options["flip"], "rotation": options["rotation"], "zoom": options["zoom"]},
        "count": options["count"],
        "preview_url": reverse("api:augmentation-previews"),
        "job_url": reverse("api:job-detail", args=[0]),
        "worker_alive": jobs.worker_alive(),
    }


# ---------------------------------------------------------------------------------------- training runs

def _chosen_run(classroom, choice, *, usable) -> TrainingRun | None:
    """The class's run with this id (a 404 for any other id), or its newest run that `usable` accepts."""
    runs = TrainingRun.objects.filter(classroom=classroom).select_related("job").defer("dataset", "log")
    if isinstance(choice, int):
        run = runs.filter(pk=choice).first()
        if run is None:
            raise not_found(_("That training run is not one of your class's."))
        return run
    return next((run for run in runs.order_by("-created_at", "-id") if usable(run)), None)


def _run_summary(classroom, run: TrainingRun) -> dict:
    augment = AugmentConfig(**run.config.get("augment", {}))
    return {"id": run.pk, "status": run.job.status, "finished": bool((run.results or {}).get("test")),
            "url": reverse("training:run", kwargs={"class_id": classroom.pk, "pk": run.pk}),
            "family": run.config.get("family"), "augmentation": augment.enabled,
            "dropout": run.config.get("dropout"), "patience": run.config.get("patience"),
            "cv_folds": run.config.get("cv_folds", 0)}


def curves(*, classroom, user, options: dict) -> dict:
    """Loss and accuracy per epoch of a run, with what the curves say (kept epoch, overfitting)."""
    run = _chosen_run(classroom, options["run"], usable=lambda run: bool(run.history))
    if run is None:
        return _empty(_("Your class has no training run yet: ask your teacher to start one in Training."))
    if not run.history:
        return _empty(_("Training run #%(id)s has no finished epoch yet.") % {"id": run.pk})
    fields = ("stage", "epoch", "loss", "val_loss", "accuracy", "val_accuracy")
    return {"run": _run_summary(classroom, run), "curves": RunOutput().get_curves(run),
            "history": [{name: row.get(name) for name in fields} for row in run.history]}


def _succeeded(run: TrainingRun) -> bool:
    return run.job.status == Job.Status.SUCCEEDED


def cross_validation(*, classroom, user, options: dict) -> dict:
    """A finished run's accuracy per fold, their mean and standard deviation, and what was cross-validated."""
    run = _chosen_run(classroom, options["run"], usable=_succeeded)
    if run is None:
        return _empty(_("Your class has no finished training run yet: ask your teacher to start one in Training."))
    result = (run.results or {}).get("cross_validation")
    if result:
        keys = ("folds", "accuracy_per_fold", "accuracy_mean", "accuracy_std", "method", "epochs_per_fold", "l2")
        return {"run": _run_summary(classroom, run), **{key: result.get(key) for key in keys}}
    values = {"id": run.pk, "folds": run.config.get("cv_folds", 0)}
    if not _succeeded(run):
        return _empty(_("Training run #%(id)s has not finished.") % values)
    if not values["folds"]:
        return _empty(_("Training run #%(id)s was trained without cross-validation (it was switched off for that "
                        "run). A run with cross-validation on shows its folds here.") % values)
    return _empty(_("Training run #%(id)s asked for %(folds)s folds, but a category had fewer labelled pictures "
                    "than folds, so cross-validation did not run.") % values)


def time_machine(*, classroom, user, options: dict) -> dict:
    """A run's probe photos with the model's answer and heatmap for each after every epoch, and its curves."""
    recorded = training_selectors.runs_with_time_machine(classroom)
    run = _chosen_run(classroom, options["run"], usable=lambda run: run.pk in recorded)
    if run is None:
        return _empty(_("Your class has no training run with a time machine yet: ask your teacher to start one "
                        "in Training."))
    data = training_selectors.time_machine(run=run, user=user)
    if data is None:
        return _empty(training_selectors.no_time_machine_message(run))
    return {**data, "summary": _run_summary(classroom, run)}


# -------------------------------------------------------------------------------------------- confusion

def confusion(*, classroom, user, options: dict) -> dict:
    """The active model's confusion matrix on its test split (every settled picture for the pretrained
    model), its accuracy with the count, and the pictures it gets wrong."""
    scored = _scored_by_active_model(classroom)
    if scored.version is None:
        return _empty(_("No model answers for your class yet."))
    if not scored.known:
        return _empty(_("The active model's training run is gone, so its test split is not known."))
    if not scored.truths:
        return _empty(_("Your class has no settled pictures yet: the matrix needs pictures whose label is decided. "
                        "Label some in the labeling queue (Labeling)."))
    _ask_for_scores(classroom, scored)
    if not scored.scored:
        return _empty(_("The active model has not answered your class's pictures yet: the background process does "
                        "it. Come back in a minute."))
    columns = ["cat", "dog", "neither"]  # the answer "neither": the model found the picture unusual
    rows = [value for value in columns if value in set(scored.truths.values())]
    counts = Counter((scored.truths[i], scored.answers[i]) for i in scored.scored)
    hidden = set() if policies.sees_gold(user, classroom) else _gold_ids(classroom)
    wrong = [image_id for image_id in scored.wrong if image_id not in hidden]
    shown = _answers_shown(classroom, user, wrong)[:options["mistakes"]]
    count, correct = len(scored.scored), len(scored.right)
    return {
        "version": _version_summary(scored.version),
        "pretrained": scored.version.kind == ModelVersion.Kind.IMAGENET_ZERO_SHOT,
        "rows": rows, "columns": columns, "matrix": [[counts[(row, column)] for column in columns] for row in rows],
        "count": count, "correct": correct, "accuracy": correct / count,
        "not_scored": len(scored.truths) - count, "wrong": len(scored.wrong),
        "mistakes": [{"id": image_id, "url": _picture_url(classroom, image_id), "truth": scored.truths[image_id],
                      "answer": scored.answers[image_id]} for image_id in shown],
    }


# -------------------------------------------------------------------------------------------- artifacts

def artifacts(*, classroom, user, options: dict) -> dict:
    """Size, latency and accuracy of every file exported for a trained version, and its pruning."""
    choice = options["version"]
    if isinstance(choice, int):
        version = versions_for(classroom).filter(pk=choice).first()
        if version is None:
            raise not_found(_("That model version is not one your class can use."))
    else:
        serving = serving_version(classroom=classroom)
        version = ModelVersion.objects.get(pk=serving.pk) if serving else None
    if version is None:
        return _empty(_("No model answers for your class yet."))
    metrics = version.metrics or {}
    rows = metrics.get("artifacts") or []
    if version.kind == ModelVersion.Kind.IMAGENET_ZERO_SHOT:
        return _empty(_("%(version)s is the pretrained model: it has no measured variants (pruned, INT8, TFLite). "
                        "Once your teacher trains a version of your class (Training), its files are compared "
                        "here.") % {"version": version})
    if not rows:
        return _empty(_("%(version)s has no measured files to compare.") % {"version": version})
    fields = ("kind", "artifact", "format", "precision", "size_bytes", "compressed_size_bytes", "latency_p50_ms",
              "accuracy", "sparsity")
    pruning = metrics.get("pruning")
    return {
        "version": _version_summary(version),
        "rows": [{name: row.get(name) for name in fields} for row in rows],
        "test_count": (metrics.get("test") or {}).get("count"),
        "pruning": {key: pruning.get(key) for key in ("target_sparsity", "measured_sparsity", "epochs")}
        if pruning else None,
    }


# --------------------------------------------------------------------------------------- learning-curve

def learning_curve(*, classroom, user, options: dict) -> dict:
    """The class's latest finished learning-curve simulation: accuracy against labels, random vs uncertainty."""
    simulations = Job.objects.filter(classroom=classroom, kind=Job.Kind.LEARNING_CURVE)
    job = simulations.filter(status=Job.Status.SUCCEEDED).order_by("-finished_at", "-id").first()
    if job is None:
        if simulations.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).exists():
            return _empty(_("The background process is simulating your class's learning curve: come back in a "
                            "few minutes."))
        return _empty(_("Your class has no learning-curve simulation yet: ask your teacher to start one "
                        "(Labeling → Learning curve)."))
    result = LearningCurveOutput().get_result(job)
    keys = ("sizes", "strategies", "labels_needed", "comparison", "test_size", "pool_size", "seeds", "measure")
    return {"id": job.pk, "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "page_url": reverse("labeling:learning-curve", kwargs={"class_id": classroom.pk}),
            **{key: result.get(key) for key in keys}}
