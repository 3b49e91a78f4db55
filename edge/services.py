"""What the edge page needs from the server: which version to run and its files, the server's own answers to
compare the browser's with, the class's test set, and the devices' measurements.

Privacy (eduai/policies.py): a class's versions, photos and answers stay with its members. The global
pretrained versions are public (anyone, logged in or not, may download and run them: they hold nothing of
any class). A photo's answer is given only to someone who may see the photo: its owner (through their
analyses) or a member of a class it was shared into, and then only once the labeling rule lets them see the
model's answer on it (labelers answer blind: `labeling.selectors.model_answers_shown`).
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from classifier.images import ImageRejected, read_image
from classifier.models import StoredImage
from edge.models import DeviceMeasurement
from eduai import policies
from eduai.errors import AppError, not_found
from eduai.models import Classroom, Membership
from eduai.permissions import is_admin
from labeling import selectors as labeling_selectors
from labeling.models import ClassImage, GoldImage
from ml_models import runtime
from ml_models.core import artifacts
from ml_models.core.artifacts import Manifest
from ml_models.models import ModelVersion
from ml_models.selectors import serving_version, versions_for
from training.models import TrainingRun
from training.pipeline.config import TrainingConfig
from training.pipeline.data import Example, split_by_hash

FP32_FILE = artifacts.ONNX_FILE
INT8_FILE = getattr(artifacts, "ONNX_INT8_FILE", "served_int8.onnx")
ANSWER_CACHE_SECONDS = 30 * 24 * 3600  # keyed by the version's and the photo's sha256: never stale
MAX_MEASUREMENTS_PER_STUDENT = 20  # per class; the oldest go first
MAX_MEASUREMENTS_LISTED = 200


# ------------------------------------------------------------------------------------------- versions

def edge_version(user, class_id=None) -> tuple[Classroom | None, ModelVersion]:
    """(the class, the version that answers for it now) for a class `user` is in (404 otherwise, also for
    anonymous visitors), or (None, the global pretrained default) without a class."""
    classroom = None
    if class_id not in (None, ""):
        if not (user and user.is_authenticated):
            raise not_found(_("That class does not exist or you are not in it."))
        from eduai import classes

        classroom = classes.class_for(user, class_id)
    version = serving_version(classroom=classroom)
    if version is None:
        raise runtime.NoActiveModel()
    return classroom, ModelVersion.objects.get(pk=version.pk)


def version_summary(version: ModelVersion) -> dict:
    pretrained = version.kind == ModelVersion.Kind.IMAGENET_ZERO_SHOT
    values = {"name": version.name, "version": version.version}
    label = (_("%(name)s v%(version)s (pretrained)") if pretrained
             else _("%(name)s v%(version)s (trained on the class's labels)")) % values
    return {"id": version.pk, "name": version.name, "version": version.version, "kind": version.kind,
            "family": (version.signature or {}).get("family", ""), "label": label}


def file_url(version: ModelVersion, name: str, sha256: str) -> str:
    return reverse("api:model-file", kwargs={"pk": version.pk, "file_name": name}) + f"?sha256={sha256}"


def _file_entry(version: ModelVersion, folder: Path, files: dict, name: str) -> dict | None:
    if name not in files or not (folder / name).is_file():
        return None
    return {"url": file_url(version, name, files[name]), "size_bytes": (folder / name).stat().st_size,
            "sha256": files[name]}


def model_info(user, class_id=None) -> dict:
    """GET /api/v1/edge/model/: the version the edge page runs, its signature and its ONNX files (INT8: null
    for versions exported before every version had one)."""
    classroom, version = edge_version(user, class_id)
    folder = settings.MODELS_DIR / version.artifact_dir
    try:
        files = Manifest.read(folder).files
    except Exception:  # noqa: BLE001 - a version whose folder is gone cannot run anywhere
        files = {}
    fp32 = _file_entry(version, folder, files, FP32_FILE)
    if fp32 is None:
        raise AppError("model_unavailable", _("The files of this model are missing on the server."), 503)
    return {"class_id": classroom.pk if classroom else None, "version": version_summary(version),
            "signature": version.signature,
            "files": {"fp32": fp32, "int8": _file_entry(version, folder, files, INT8_FILE)},
            "answer_data_url": reverse("edge:answer-data")}


def runnable_version(user, pk) -> ModelVersion:
    version = ModelVersion.objects.filter(pk=pk).first()
    if version is None or not policies.can_run_version(user, version):
        raise not_found(_("That model version does not exist or is not your class's."))
    return version


# -------------------------------------------------------------------------------------------- answers

def served_model(version: ModelVersion):
    """The version's ONNX Runtime session (the analyze service's cache); 503 when it cannot load here."""
    try:
        return runtime.sessions.get(version)
    except Exception as error:  # noqa: BLE001 - a broken or old export: say so, never a 500
        raise AppError("model_unavailable", _("This model version cannot run on the server now."), 503) from error


def server_answer(version: ModelVersion, image: StoredImage) -> dict:
    """The version's answer on the stored photo (ONNX Runtime, the analyze service's model), computed once
    per (version, photo): {"sha256", "label", "probabilities": {"cat", "dog"}, "unusual_score"}."""
    key = f"edge:answer:{version.pk}:{version.sha256}:{image.sha256}"
    found = cache.get(key)
    if found is None:
        model = served_model(version)
        with image.file.open("rb") as handle:
            picture = read_image(handle.read(), max_bytes=2**40, max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
        verdict = model.answer(picture.rgb).verdict
        found = {"label": verdict.label, "probabilities": {"cat": float(verdict.cat), "dog": float(verdict.dog)},
                 "unusual_score": float(verdict.unusual_score)}
        cache.set(key, found, ANSWER_CACHE_SECONDS)
    return {"sha256": image.sha256, **found}


def visible_images(user, hashes: list[str]) -> list[StoredImage]:
    """The stored photos among `hashes` whose answer `user` may see: their own analyses' photos, and photos of
    their classes whose model answer the labeling rule shows them."""
    if not (user and user.is_authenticated):
        return []
    images = {image.pk: image for image in StoredImage.objects.filter(sha256__in=hashes).only("id", "sha256", "file")}
    own = set(StoredImage.objects.filter(pk__in=list(images), analyses__user=user).values_list("id", flat=True))
    rest = [pk for pk in images if pk not in own]
    shown = set(own)
    if rest:
        placed = ClassImage.objects.filter(image_id__in=rest)
        if not is_admin(user):
            placed = placed.filter(classroom__in=Membership.objects.filter(user=user).values("classroom_id"))
        by_class: dict[int, list[int]] = {}
        for classroom_id, image_id in placed.values_list("classroom_id", "image_id"):
            by_class.setdefault(classroom_id, []).append(image_id)
        for classroom in Classroom.objects.filter(pk__in=list(by_class)):
            ids = [pk for pk in by_class[classroom.pk] if pk not in shown]
            if ids:
                shown.update(labeling_selectors.model_answers_shown(classroom, user, ids))
    return [images[pk] for pk in images if pk in shown]


def server_answers(user, *, version_id: int, hashes: list[str]) -> dict:
    """POST /api/v1/edge/server-answers/: the version's answers on the photos the user may see; every other
    hash (unknown photo, or not the user's to see: they are told apart by nobody) is in "unknown"."""
    version = runnable_version(user, version_id)
    hashes = list(dict.fromkeys(hashes))
    known = {image.sha256: image for image in visible_images(user, hashes)}
    answers, unknown = [], []
    for sha256 in hashes:
        image = known.get(sha256)
        if image is None:
            unknown.append(sha256)
            continue
        try:
            answers.append(server_answer(version, image))
        except (OSError, ImageRejected):  # its file went missing from the media folder
            unknown.append(sha256)
    return {"answers": answers, "unknown": unknown}


# ------------------------------------------------------------------------------------------- test set

def test_split_of(version: ModelVersion) -> dict[str, dict] | None:
    """{sha256: snapshot item} of a trained version's test split, or None when the version is not trained or
    its run (or a configuration this code can read) is gone.

    The rule is the training pipeline's own (training/pipeline/run.py): the run's stored dataset snapshot,
    restricted to the labels of its `config.class_names` (pictures settled as "neither" only calibrate the
    unusual threshold), cut by `split_by_hash` with the run's `validation_fraction` and `test_fraction`:
    within each class the photos ordered by sha256, the first round(n * test_fraction) are its test photos.
    """
    if version.kind != ModelVersion.Kind.CLASSIFIER:
        return None
    run = TrainingRun.objects.filter(model_version=version).only("config", "dataset").first()
    if run is None or not run.dataset:
        return None
    try:
        config = TrainingConfig.from_dict(run.config)
    except (TypeError, ValueError):
        return None
    return _split(run.dataset, config)


def _split(snapshot: list[dict], config: TrainingConfig) -> dict[str, dict]:
    names = list(config.class_names)
    items = {item["sha256"]: item for item in snapshot if item.get("label") in names}
    examples = [Example(sha256, Path(), names.index(item["label"])) for sha256, item in items.items()]
    test = split_by_hash(examples, validation_fraction=config.validation_fraction,
                         test_fraction=config.test_fraction).test
    return {example.sha256: items[example.sha256] for example in test}


def labelled_split(classroom) -> dict[str, dict]:
    """The class's settled photos cut as a training run started now with the default configuration would cut
    them (training.services.dataset_snapshot + the default TrainingConfig's fractions): its test part."""
    from training.services import dataset_snapshot

    config = TrainingConfig()
    return _split(dataset_snapshot(classroom, config.class_names), config)


def test_set(*, classroom, user, limit: int) -> dict:
    """GET /api/v1/classes/{id}/edge-test-set/: the photos the class's active version is measured on.

    A trained version: its own test split (`test_split_of`), "source": "test_split". The pretrained
    version, or a trained one whose run is gone: the test part of the class's settled photos
    (`labelled_split`), "source": "labelled". Only photos still in the class, with their settled label
    today; gold pictures are left out for students (their answers are the teachers'). In sha256 order, at
    most `limit`, each with the version's server answer."""
    version = ModelVersion.objects.get(pk=serving_version(classroom=classroom).pk)
    split = test_split_of(version)
    source = "test_split"
    if split is None:
        split, source = labelled_split(classroom), "labelled"
    labels = labeling_selectors.final_labels(classroom)
    in_class = {image_id for image_id in labeling_selectors.image_ids(classroom)}
    hidden = set() if policies.can_teach(user, classroom) else \
        set(GoldImage.objects.filter(classroom=classroom).values_list("image_id", flat=True))
    chosen = [item for sha256, item in sorted(split.items())
              if item["image_id"] in in_class and item["image_id"] in labels and item["image_id"] not in hidden]
    chosen = chosen[:limit]
    images = {image.pk: image for image in
              StoredImage.objects.filter(pk__in=[item["image_id"] for item in chosen]).only("id", "sha256", "file")}
    rows = []
    for item in chosen:
        image = images.get(item["image_id"])
        if image is None:
            continue
        try:
            answer = server_answer(version, image)
        except (OSError, ImageRejected):  # its file went missing from the media folder
            continue
        rows.append({"image_id": image.pk, "sha256": image.sha256,
                     "url": reverse("labeling:image-file", kwargs={"class_id": classroom.pk, "pk": image.pk}),
                     "label": labels[image.pk],
                     "server": {key: answer[key] for key in ("label", "probabilities", "unusual_score")}})
    return {"version": version_summary(version), "source": source, "images": rows}


# ------------------------------------------------------------------------------------ device measurements

def class_version(classroom, pk) -> ModelVersion | None:
    return versions_for(classroom).filter(pk=pk).first()


def add_measurement(*, classroom, user, data: dict) -> DeviceMeasurement:
    """Store one device's measurement; a member keeps at most MAX_MEASUREMENTS_PER_STUDENT per class (their
    oldest are deleted)."""
    with transaction.atomic():
        row = DeviceMeasurement.objects.create(classroom=classroom, user=user, **data)
        keep = (DeviceMeasurement.objects.filter(classroom=classroom, user=user)
                .order_by("-created", "-id").values_list("id", flat=True)[:MAX_MEASUREMENTS_PER_STUDENT])
        DeviceMeasurement.objects.filter(classroom=classroom, user=user).exclude(pk__in=list(keep)).delete()
    return row


def measurements_of(classroom) -> list[DeviceMeasurement]:
    return list(DeviceMeasurement.objects.filter(classroom=classroom).select_related("user", "model_version")
                .order_by("-created", "-id")[:MAX_MEASUREMENTS_LISTED])


def measurement_row(row: DeviceMeasurement, *, user, teaching: bool) -> dict:
    return {
        "id": row.pk, "created": row.created.isoformat(), "device": row.device,
        "model_version": row.model_version_id, "version_label": version_summary(row.model_version)["label"],
        "source": row.source, "images": row.images, "backend": row.backend, "threads": row.threads,
        "cross_origin_isolated": row.cross_origin_isolated, "cold_start_ms": row.cold_start_ms,
        "fp32": row.fp32, "int8": row.int8, "user_agent": row.user_agent,
        "mine": row.user_id == user.pk, "author": row.user.username if teaching else None,
    }

