"""Reads for labeling: where each image stands, what to show next, agreement, gold scores."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from classifier.models import StoredImage
from labeling import agreement
from labeling.models import (
    DATASET_LABELER,
    Adjudication,
    Assignment,
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
    """Where one image stands: its votes, its status and (once there is one) its final label."""

    votes: list[str] = field(default_factory=list)
    status: str = UNLABELED
    final: str | None = None


def image_states(*, needed: int | None = None, reveal_gold: bool = True, image_ids=None) -> dict[int, ImageState]:
    """{image id: state} for every stored image (or only `image_ids`). A teacher's answer
    (adjudication, then gold) beats a dataset folder's label, which beats the labelers' consensus.
    Students must not learn which images are gold: with reveal_gold=False those look like any other image."""
    needed = needed or LabelingSettings.current().labels_per_image
    images, labels = StoredImage.objects.all(), Label.objects.all()
    golds, adjudications = GoldImage.objects.all(), Adjudication.objects.all()
    if image_ids is not None:
        images, labels = images.filter(pk__in=image_ids), labels.filter(image_id__in=image_ids)
        golds, adjudications = golds.filter(image_id__in=image_ids), adjudications.filter(image_id__in=image_ids)
    states = {image_id: ImageState() for image_id in images.values_list("id", flat=True)}
    dataset: dict[int, str] = {}
    for image_id, value, labeler in labels.values_list("image_id", "value", "labeler"):
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


def final_labels() -> dict[int, str]:
    """{image id: label} of every image whose label is settled: only these become training data."""
    return {image_id: state.final for image_id, state in image_states().items() if state.final is not None}


def queue_candidates(*, user, needed: int) -> set[int]:
    """Images `user` may be shown now: not labelled or skipped by them, not settled by a teacher or
    a dataset, and with fewer votes (plus other people's held images) than needed. Gold images are
    shown to everyone once, whatever their vote count, so every student is measured on them."""
    mine = set(Label.objects.filter(user=user).values_list("image_id", flat=True))
    mine |= set(Skip.objects.filter(user=user).values_list("image_id", flat=True))
    settled = set(Adjudication.objects.values_list("image_id", flat=True))
    settled |= set(Label.objects.filter(labeler=DATASET_LABELER).values_list("image_id", flat=True))
    gold = set(GoldImage.objects.values_list("image_id", flat=True))
    busy = Counter(Label.objects.exclude(labeler=DATASET_LABELER).values_list("image_id", flat=True))
    busy.update(Assignment.objects.filter(expires_at__gt=timezone.now()).exclude(user=user)
                .values_list("image_id", flat=True))
    candidates = set()
    for image_id in StoredImage.objects.values_list("id", flat=True):
        if image_id in mine or (image_id in settled and image_id not in gold):
            continue
        if image_id in gold or busy[image_id] < needed:
            candidates.add(image_id)
    return candidates


def flagged_by_students() -> set[int]:
    """Images someone said the model got wrong: served before the others."""
    return set(Label.objects.filter(strategy=Strategy.MODEL_WRONG).values_list("image_id", flat=True))


def scores_of(image_ids, *, version_id: int) -> dict[int, ImageScore]:
    """{image id: score} of one model version, embeddings included (for ranking the queue)."""
    return {score.image_id: score for score in
            ImageScore.objects.filter(model_version_id=version_id, image_id__in=list(image_ids))}


def _answers(version_id: int | None) -> dict[int, dict]:
    """{image id: probabilities} of one model version, without loading the embeddings."""
    return dict(ImageScore.objects.filter(model_version_id=version_id).values_list("image_id", "probabilities"))


def answer_of(probabilities: dict) -> str:
    """The label the model gives most probability to."""
    return max(probabilities, key=probabilities.get)


# ------------------------------------------------------------------------------------------ gallery

GALLERY_FILTERS = ("all", "unlabeled", "mine", "needs_labels", "disputed", "cat", "dog", "neither",
                   "model_disagrees", "unusual", "consensus", "adjudicated", "dataset", "gold")


def gallery(*, user, filter_name: str, version_id: int | None, unusual_threshold: float,
            reveal_gold: bool = False) -> QuerySet:
    """Images for the gallery, newest first, narrowed by one of GALLERY_FILTERS (or by a status)."""
    images = StoredImage.objects.order_by("-created_at", "-id")
    if filter_name in ("all", ""):
        return images
    if filter_name == "mine":
        return images.filter(labels__user=user)
    if filter_name == "unusual":
        unusual = [image_id for image_id, probabilities in _answers(version_id).items()
                   if probabilities.get("neither", 0) >= unusual_threshold]
        return images.filter(pk__in=unusual)
    states = image_states(reveal_gold=reveal_gold)
    if filter_name in ("cat", "dog", "neither"):
        ids = [i for i, s in states.items() if s.final == filter_name]
    elif filter_name == "model_disagrees":
        answers = _answers(version_id)
        ids = [i for i, s in states.items() if s.final is not None and i in answers and answer_of(answers[i]) != s.final]
    else:
        ids = [i for i, s in states.items() if s.status == filter_name]
    return images.filter(pk__in=ids)


@dataclass(frozen=True)
class ImageView:
    """One image as a given person may see it."""

    state: ImageState  # with gold hidden from students
    votes_visible: bool
    labels: list[Label]  # empty unless votes_visible
    adjudication: Adjudication | None  # None unless votes_visible
    gold: GoldImage | None  # teachers only


def image_view(*, image: StoredImage, user, teacher: bool) -> ImageView:
    """Labelers answer blind: a student sees other people's labels (and the model's answer) only once
    they have answered or skipped the image themselves, or once it is settled (gold never counts)."""
    state = image_states(image_ids=[image.pk]).get(image.pk, ImageState())
    answered = (Label.objects.filter(image=image, user=user).exists()
                or Skip.objects.filter(image=image, user=user).exists())
    visible = teacher or answered or (state.final is not None and state.status != GOLD)
    if not teacher:
        state = image_states(image_ids=[image.pk], reveal_gold=False).get(image.pk, state)
    return ImageView(
        state=state,
        votes_visible=visible,
        labels=list(image.labels.select_related("user")) if visible else [],
        adjudication=Adjudication.objects.filter(image=image).select_related("decided_by").first() if visible else None,
        gold=GoldImage.objects.filter(image=image).select_related("created_by").first() if teacher else None,
    )


def disputes() -> QuerySet:
    """The teacher's adjudication queue: images whose labelers did not agree, oldest first."""
    ids = [i for i, state in image_states().items() if state.status == DISPUTED]
    return StoredImage.objects.filter(pk__in=ids).order_by("created_at", "id").prefetch_related("labels")


# ------------------------------------------------------------------------------- agreement and gold

@dataclass(frozen=True)
class AgreementStats:
    pairs: list[agreement.PairKappa]
    fleiss: float | None
    images_with_votes: int
    votes: int
    counts: dict[str, int]  # images per status


def status_counts(*, reveal_gold: bool = True) -> dict[str, int]:
    """How many images are in each status."""
    return dict(Counter(state.status for state in image_states(reveal_gold=reveal_gold).values()))


def agreement_stats(*, reveal_gold: bool = True) -> AgreementStats:
    votes = list(Label.objects.exclude(labeler=DATASET_LABELER).values_list("image_id", "labeler", "value"))
    return AgreementStats(
        pairs=agreement.cohen_pairs(votes),
        fleiss=agreement.fleiss_kappa(votes),
        images_with_votes=len({image for image, _, _ in votes}),
        votes=len(votes),
        counts=status_counts(reveal_gold=reveal_gold),
    )


@dataclass(frozen=True)
class GoldScore:
    labeler: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered


def gold_scores() -> list[GoldScore]:
    """Each labeler's accuracy on the gold images they labelled, worst first."""
    answers = dict(GoldImage.objects.values_list("image_id", "value"))
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for image_id, labeler, value in (Label.objects.filter(image_id__in=answers)
                                     .exclude(labeler=DATASET_LABELER).values_list("image_id", "labeler", "value")):
        tally[labeler][0] += 1
        tally[labeler][1] += value == answers[image_id]
    scores = [GoldScore(labeler, answered, correct) for labeler, (answered, correct) in tally.items()]
    return sorted(scores, key=lambda score: (score.accuracy, score.labeler))


# -------------------------------------------------------------------------------- learning history

def version_history() -> list[dict]:
    """Each trained version's test accuracy against the number of labelled images it learned from."""
    history = []
    for version in ModelVersion.objects.filter(kind=ModelVersion.Kind.CLASSIFIER).order_by("created_at", "id"):
        metrics = version.metrics or {}
        accuracy = (metrics.get("test") or {}).get("accuracy")
        if accuracy is not None and metrics.get("labels"):
            history.append({"version": str(version), "labels": metrics["labels"], "accuracy": accuracy,
                            "created_at": version.created_at.isoformat()})
    return history
