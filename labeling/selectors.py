"""Reads for labeling, within one class: where each picture stands, what to show next, agreement,
gold scores. What a person may see of them is decided by eduai/policies.py."""
from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from classifier.models import StoredImage
from eduai import policies
from labeling import agreement
from labeling.models import (
    DATASET_LABELER,
    Adjudication,
    Assignment,
    ClassImage,
    GoldImage,
    ImageScore,
    Label,
    LabelingSettings,
    Skip,
    Strategy,
)
from ml_models.models import ModelVersion

UNLABELED, ADJUDICATED, GOLD, DATASET = "unlabeled", "adjudicated", "gold", "dataset"
NEEDS_LABELS, CONSENSUS, DISPUTED = agreement.NEEDS_LABELS, agreement.CONSENSUS, agreement.DISPUTED


@dataclass
class ImageState:
    """Where one picture stands in a class: its votes, its status and (once there is one) its final label."""

    votes: list[str] = field(default_factory=list)
    status: str = UNLABELED
    final: str | None = None


def image_ids(classroom) -> QuerySet:
    """Ids of the pictures in the class's dataset."""
    return ClassImage.objects.filter(classroom=classroom).values_list("image_id", flat=True)


def in_class(classroom, image_id) -> bool:
    return ClassImage.objects.filter(classroom=classroom, image_id=image_id).exists()


def image_states(*, classroom, needed: int | None = None, reveal_gold: bool = True,
                 image_ids=None) -> dict[int, ImageState]:
    """{image id: state} for every picture of the class (or only `image_ids`). A teacher's answer
    (adjudication, then gold) beats a dataset folder's label, which beats the labelers' consensus.
    With reveal_gold=False gold pictures look like any other picture."""
    needed = needed or LabelingSettings.of(classroom).labels_per_image
    pictures = ClassImage.objects.filter(classroom=classroom)
    labels = Label.objects.filter(classroom=classroom)
    golds, adjudications = GoldImage.objects.filter(classroom=classroom), Adjudication.objects.filter(classroom=classroom)
    if image_ids is not None:
        pictures, labels = pictures.filter(image_id__in=image_ids), labels.filter(image_id__in=image_ids)
        golds, adjudications = golds.filter(image_id__in=image_ids), adjudications.filter(image_id__in=image_ids)
    states = {image_id: ImageState() for image_id in pictures.values_list("image_id", flat=True)}
    dataset: dict[int, str] = {}
    for image_id, value, labeler in labels.values_list("image_id", "value", "labeler"):
        if image_id not in states:
            continue
        if labeler == DATASET_LABELER:
            dataset[image_id] = value
        else:
            states[image_id].votes.append(value)
    decided = {
        **{image_id: (DATASET, value) for image_id, value in dataset.items()},
        **({image_id: (GOLD, value) for image_id, value in golds.values_list("image_id", "value")}
           if reveal_gold else {}),
        **{image_id: (ADJUDICATED, value) for image_id, value in adjudications.values_list("image_id", "value")},
    }
    for image_id, state in states.items():
        if image_id in decided:
            state.status, state.final = decided[image_id]
        elif state.votes:
            state.status, state.final = agreement.consensus(state.votes, needed=needed)
    return states


def answered_by(*, classroom, user, image_ids=None) -> set[int]:
    """Pictures `user` labelled or skipped in the class."""
    labels, skips = Label.objects.filter(classroom=classroom, user=user), Skip.objects.filter(classroom=classroom, user=user)
    if image_ids is not None:
        labels, skips = labels.filter(image_id__in=image_ids), skips.filter(image_id__in=image_ids)
    return set(labels.values_list("image_id", flat=True)) | set(skips.values_list("image_id", flat=True))


def states_for(*, classroom, user, image_ids=None) -> dict[int, ImageState]:
    """Image states as `user` may see them (policies.votes_visible): a student sees neither which
    pictures are gold nor where a picture stands before answering it, unless it is settled."""
    teacher = policies.sees_gold(user, classroom)
    states = image_states(classroom=classroom, reveal_gold=teacher, image_ids=image_ids)
    if teacher:
        return states
    gold = set(GoldImage.objects.filter(classroom=classroom).values_list("image_id", flat=True))
    answered = answered_by(classroom=classroom, user=user, image_ids=image_ids)
    return {image_id: state if policies.votes_visible(user=user, classroom=classroom, settled=state.final is not None,
                                                      gold=image_id in gold, answered=image_id in answered)
            else ImageState(status=NEEDS_LABELS if state.votes else UNLABELED)
            for image_id, state in states.items()}


def final_labels(classroom) -> dict[int, str]:
    """{image id: label} of every picture of the class whose label is settled: only these become training data."""
    return {image_id: state.final for image_id, state in image_states(classroom=classroom).items()
            if state.final is not None}


def queue_candidates(*, classroom, user, needed: int) -> set[int]:
    """Pictures `user` may be shown now: not labelled or skipped by them, not settled by a teacher or
    a dataset, and with fewer votes (plus other people's held pictures) than needed. Gold pictures
    are shown to everyone once, whatever their vote count, so every student is measured on them."""
    mine = answered_by(classroom=classroom, user=user)
    labels = Label.objects.filter(classroom=classroom)
    settled = set(Adjudication.objects.filter(classroom=classroom).values_list("image_id", flat=True))
    settled |= set(labels.filter(labeler=DATASET_LABELER).values_list("image_id", flat=True))
    gold = set(GoldImage.objects.filter(classroom=classroom).values_list("image_id", flat=True))
    busy = Counter(labels.exclude(labeler=DATASET_LABELER).values_list("image_id", flat=True))
    busy.update(Assignment.objects.filter(classroom=classroom, expires_at__gt=timezone.now()).exclude(user=user)
                .values_list("image_id", flat=True))
    candidates = set()
    for image_id in image_ids(classroom):
        if image_id in mine or (image_id in settled and image_id not in gold):
            continue
        if image_id in gold or busy[image_id] < needed:
            candidates.add(image_id)
    return candidates


def held_for(*, classroom, user) -> Assignment | None:
    """The picture held for `user` in the class right now, if any."""
    return Assignment.objects.filter(classroom=classroom, user=user, expires_at__gt=timezone.now()).first()


def flagged_by_students(classroom) -> set[int]:
    """Pictures someone said the model got wrong: served before the others."""
    return set(Label.objects.filter(classroom=classroom, strategy=Strategy.MODEL_WRONG).values_list("image_id", flat=True))


def scores_of(image_ids, *, version_id: int) -> dict[int, ImageScore]:
    """{image id: score} of one model version, embeddings included (for ranking the queue)."""
    return {score.image_id: score for score in
            ImageScore.objects.filter(model_version_id=version_id, image_id__in=list(image_ids))}


def _answers(version_id: int | None, image_ids) -> dict[int, str]:
    """{image id: the version's answer as a label} (what the analyzer would say), without the embeddings."""
    return dict(ImageScore.objects.filter(model_version_id=version_id, image_id__in=image_ids)
                .values_list("image_id", "answer"))


# ------------------------------------------------------------------------------------------ gallery

GALLERY_FILTERS = ("all", "unlabeled", "mine", "needs_labels", "disputed", "cat", "dog", "neither",
                   "model_disagrees", "unusual", "consensus", "adjudicated", "dataset", "gold")


def pictures(classroom) -> QuerySet:
    """The class's pictures, newest in the class first (each annotated with `added_at` and `class_name`)."""
    entry = ClassImage.objects.filter(classroom=classroom, image=OuterRef("pk"))
    return (StoredImage.objects.filter(class_images__classroom=classroom)
            .annotate(added_at=Subquery(entry.values("added_at")[:1]),
                      class_name=Subquery(entry.values("original_name")[:1]))
            .order_by("-added_at", "-id"))


def gallery(*, classroom, user, filter_name: str, version_id: int | None) -> QuerySet:
    """The class's pictures for the gallery, narrowed by one of GALLERY_FILTERS (or by a status), as
    `user` may see them: filters on votes or on the model's answer only use what they may see
    (policies.votes_visible: the model's answer too is hidden from a student until they answer)."""
    images = pictures(classroom)
    if filter_name in ("all", ""):
        return images
    if filter_name == "mine":
        return images.filter(pk__in=Label.objects.filter(classroom=classroom, user=user).values("image_id"))
    if filter_name == "unusual":
        shown = model_answers_shown(classroom, user, list(image_ids(classroom)))
        return images.filter(pk__in=[i for i, answer in _answers(version_id, shown).items() if answer == "neither"])
    states = states_for(classroom=classroom, user=user)
    if filter_name in ("cat", "dog", "neither"):
        ids = [i for i, s in states.items() if s.final == filter_name]
    elif filter_name == "model_disagrees":
        answers = _answers(version_id, list(states))
        ids = [i for i, s in states.items() if s.final is not None and i in answers and answers[i] != s.final]
    else:
        ids = [i for i, s in states.items() if s.status == filter_name]
    return images.filter(pk__in=ids)


def model_answers_shown(classroom, user, ids: list[int]) -> list[int]:
    """The pictures whose model answer `user` may see now: all of them for teachers and when the class
    shows the model's answer before answering; otherwise those they answered or that are settled."""
    if policies.can_teach(user, classroom) or \
            LabelingSettings.of(classroom).suggestion == LabelingSettings.Suggestion.ALWAYS:
        return ids
    gold = set(GoldImage.objects.filter(classroom=classroom).values_list("image_id", flat=True))
    answered = answered_by(classroom=classroom, user=user)
    states = image_states(classroom=classroom, image_ids=ids)
    return [i for i in ids if policies.votes_visible(user=user, classroom=classroom, gold=i in gold,
                                                     settled=states[i].final is not None, answered=i in answered)]


@dataclass(frozen=True)
class ImageView:
    """One picture of a class as a given person may see it."""

    state: ImageState  # as states_for shows it
    votes_visible: bool
    labels: list[Label]  # empty unless votes_visible
    adjudication: Adjudication | None  # None unless votes_visible
    gold: GoldImage | None  # teachers only
    original_name: str  # teachers only, for pictures uploaded into the class


def image_view(*, classroom, image: StoredImage, user) -> ImageView:
    """Labelers answer blind: a student sees other people's labels (and the model's answer) only once
    they have answered or skipped the picture themselves, or once it is settled (gold never counts)."""
    teacher = policies.can_teach(user, classroom)
    true_state = image_states(classroom=classroom, image_ids=[image.pk]).get(image.pk, ImageState())
    answered = image.pk in answered_by(classroom=classroom, user=user, image_ids=[image.pk])
    visible = policies.votes_visible(user=user, classroom=classroom, settled=true_state.final is not None,
                                     gold=true_state.status == GOLD, answered=answered)
    state = states_for(classroom=classroom, user=user, image_ids=[image.pk]).get(image.pk, ImageState())
    entry = ClassImage.objects.filter(classroom=classroom, image=image).first()
    return ImageView(
        state=replace(state),
        votes_visible=visible,
        labels=list(Label.objects.filter(classroom=classroom, image=image).select_related("user")) if visible else [],
        adjudication=(Adjudication.objects.filter(classroom=classroom, image=image).select_related("decided_by").first()
                      if visible else None),
        gold=GoldImage.objects.filter(classroom=classroom, image=image).select_related("created_by").first() if teacher else None,
        original_name=entry.original_name if entry and policies.sees_file_names(user, classroom) else "",
    )


def disputes(classroom) -> QuerySet:
    """The teacher's adjudication queue: pictures whose labelers did not agree, oldest first."""
    ids = [i for i, state in image_states(classroom=classroom).items() if state.status == DISPUTED]
    return pictures(classroom).filter(pk__in=ids).order_by("added_at", "id")


# ------------------------------------------------------------------------------- agreement and gold

@dataclass(frozen=True)
class AgreementStats:
    pairs: list[agreement.PairKappa]
    fleiss: float | None
    images_with_votes: int
    images_rated: int  # with two or more votes: what Fleiss' kappa is computed on
    votes: int
    counts: dict[str, int]  # pictures per status (gold only for those who see gold)


def status_counts(*, classroom, reveal_gold: bool) -> dict[str, int]:
    """How many pictures are in each status."""
    return dict(Counter(state.status for state in image_states(classroom=classroom, reveal_gold=reveal_gold).values()))


def agreement_stats(*, classroom, reveal_gold: bool) -> AgreementStats:
    votes = list(Label.objects.filter(classroom=classroom).exclude(labeler=DATASET_LABELER)
                 .values_list("image_id", "labeler", "value"))
    return AgreementStats(
        pairs=agreement.cohen_pairs(votes),
        fleiss=agreement.fleiss_kappa(votes),
        images_with_votes=len({image for image, _, _ in votes}),
        images_rated=agreement.rated_images(votes),
        votes=len(votes),
        counts=status_counts(classroom=classroom, reveal_gold=reveal_gold),
    )


@dataclass(frozen=True)
class GoldScore:
    labeler: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered


def gold_scores(classroom) -> list[GoldScore]:
    """Each labeler's accuracy on the gold pictures they labelled, worst first."""
    answers = dict(GoldImage.objects.filter(classroom=classroom).values_list("image_id", "value"))
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for image_id, labeler, value in (Label.objects.filter(classroom=classroom, image_id__in=answers)
                                     .exclude(labeler=DATASET_LABELER).values_list("image_id", "labeler", "value")):
        tally[labeler][0] += 1
        tally[labeler][1] += value == answers[image_id]
    scores = [GoldScore(labeler, answered, correct) for labeler, (answered, correct) in tally.items()]
    return sorted(scores, key=lambda score: (score.accuracy, score.labeler))


# -------------------------------------------------------------------------------- learning history

def version_history(classroom) -> list[dict]:
    """Each version trained from the class: test accuracy against the number of labelled pictures it
    learned from, and which test pictures it was measured on. The test split is cut from the labels a
    run had, so it moves when pictures are added: only versions with the same `test_set` (a digest of
    their test pictures' sha256; None when unknown) were measured on the same pictures."""
    history = []
    versions = (ModelVersion.objects.filter(classroom=classroom, kind=ModelVersion.Kind.CLASSIFIER)
                .select_related("training_run").order_by("created_at", "id"))
    for version in versions:
        metrics = version.metrics or {}
        accuracy = (metrics.get("test") or {}).get("accuracy")
        if accuracy is None or not metrics.get("labels"):
            continue
        test_set, test_size = _test_set(getattr(version, "training_run", None))
        if test_size is None:
            test_size = (metrics.get("splits") or {}).get("test")
        history.append({"version": str(version), "labels": metrics["labels"], "accuracy": accuracy,
                        "created_at": version.created_at.isoformat(), "test_set": test_set, "test_size": test_size})
    return history


def _test_set(run) -> tuple[str | None, int | None]:
    """(digest of the test pictures' sha256, how many) of a training run, by the pipeline's own split
    of its stored snapshot; (None, None) when the run or its configuration is not there."""
    from pathlib import Path

    from training.pipeline.config import TrainingConfig
    from training.pipeline.data import Example, split_by_hash

    if run is None or not run.dataset:
        return None, None
    try:
        config = TrainingConfig.from_dict(run.config)
    except (TypeError, ValueError):
        return None, None
    names = list(config.class_names)
    # the examples training.services.examples_from gives the pipeline (the file paths do not matter here)
    examples = [Example(item["sha256"], Path(), names.index(item["label"])) for item in run.dataset
                if item.get("label") in names]
    test = split_by_hash(examples, validation_fraction=config.validation_fraction,
                         test_fraction=config.test_fraction).test
    digest = hashlib.sha256("\n".join(sorted(example.sha256 for example in test)).encode()).hexdigest()
    return digest[:16], len(test)
