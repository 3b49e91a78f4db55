"""Analyze an uploaded picture: validate -> store once -> run the active model -> store the Analysis."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from classifier import explain, zero_shot
from classifier.images import NormalisedImage, read_image
from classifier.models import Analysis, StoredImage
from classifier.tags import class_label, group_label, tags_for
from ml_models import imagenet
from ml_models.preprocess import to_model_input
from ml_models.runtime import IMAGENET_KIND, ActiveModel, ImageNetModel, LoadedModel


@dataclass(frozen=True)
class Prediction:
    """Everything the model says about one picture, before anything is stored."""

    verdict: zero_shot.Verdict
    tags: list[dict]
    cam_grid: np.ndarray
    explained: dict  # {"tag", "label_es", "label_en"} of what the heatmap shows evidence for
    inference_ms: float


def verdicts(model: LoadedModel, pictures: list) -> tuple[list[zero_shot.Verdict], dict, dict]:
    """The answer for each RGB picture, batched: (verdicts, ImageNet outputs, `model`'s outputs).

    Tags and the unusual score come from the ImageNet network; when `model` is a classifier trained
    on our labels, it decides cat vs dog.
    """
    imagenet = model if model.kind == IMAGENET_KIND else ImageNetModel.get()
    imagenet_out = imagenet.predict(np.stack([to_model_input(p, imagenet.input_size) for p in pictures]))
    own_out = imagenet_out if model is imagenet else model.predict(
        np.stack([to_model_input(p, model.input_size) for p in pictures]))
    answers = []
    for i in range(len(pictures)):
        verdict = zero_shot.classify(imagenet_out["probabilities"][i])
        if model is not imagenet:
            own = dict(zip(model.class_names, own_out["probabilities"][i]))
            verdict = zero_shot.with_classifier(verdict, float(own["cat"]), float(own["dog"]))
        answers.append(verdict)
    return answers, imagenet_out, own_out


def predict(model: LoadedModel, rgb) -> Prediction:
    """Run the active model on one RGB picture: label, tags and the CAM for the label (from the
    trained classifier's own feature maps when it is one)."""
    started = time.perf_counter()
    (verdict,), imagenet_out, outputs = verdicts(model, [rgb])
    inference_ms = (time.perf_counter() - started) * 1000
    probabilities = imagenet_out["probabilities"][0]
    classes, explained = _explained(model, verdict, probabilities)
    grid = explain.class_activation_map(outputs["feature_maps"][0], model.head_kernel, outputs["probabilities"][0],
                                        classes)
    return Prediction(verdict, tags_for(probabilities), grid, explained, inference_ms)


def _explained(model: LoadedModel, verdict: zero_shot.Verdict, imagenet_probabilities: np.ndarray):
    """(output classes of `model` to map, label of what they are) for the verdict."""
    if model.kind != IMAGENET_KIND:
        label = verdict.label if verdict.label != "unusual" else ("cat" if verdict.cat >= 0.5 else "dog")
        return [model.class_names.index(label)], group_label(label)
    if verdict.label == "cat":
        return imagenet.CAT_CLASSES, group_label("cat")
    if verdict.label == "dog":
        return imagenet.DOG_CLASSES, group_label("dog")
    top = int(imagenet_probabilities.argmax())  # unusual: the evidence for the most likely ImageNet class
    return [top], class_label(top)


def analyze_image(*, content: bytes, original_name: str, user) -> Analysis:
    """Validate and analyze uploaded bytes; raises ImageRejected (nothing stored) on bad input."""
    started = time.perf_counter()
    image = read_image(content, max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES, max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
    decode_ms = (time.perf_counter() - started) * 1000
    model = ActiveModel.get()
    prediction = predict(model, image.rgb)
    with files_removed_on_failure() as written, transaction.atomic():
        stored = store_image(image, original_name=original_name, user=user, written=written)
        # same picture + same model = same heatmap: written once, shared by its analyses
        heatmap_name = f"heatmaps/v{model.version_id}/{stored.sha256[:2]}/{stored.sha256}.png"
        if not default_storage.exists(heatmap_name):
            png = explain.heatmap_png(prediction.cam_grid, (image.width, image.height))
            heatmap_name = default_storage.save(heatmap_name, ContentFile(png))
            written.append(heatmap_name)
        analysis = Analysis.objects.create(
            user=user,
            image=stored,
            model_version_id=model.version_id,
            label=prediction.verdict.label,
            probabilities={"cat": prediction.verdict.cat, "dog": prediction.verdict.dog},
            unusual_score=prediction.verdict.unusual_score,
            unusual_threshold=zero_shot.UNUSUAL_THRESHOLD,
            tags=prediction.tags,
            explanation={
                "method": "CAM",
                "explained": prediction.explained,
                "grid": np.round(prediction.cam_grid, 3).tolist(),
            },
            heatmap=heatmap_name,
            timings_ms={
                "decode": round(decode_ms, 2),
                "inference": round(prediction.inference_ms, 2),
                "total": round((time.perf_counter() - started) * 1000, 2),  # up to the database write
            },
        )
    return analysis


@contextmanager
def files_removed_on_failure():
    """Yields a list for the names of files stored inside the block; if the block fails they are
    deleted again, so rejected or failed work leaves no file behind."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def store_image(image: NormalisedImage, *, original_name: str, user, written: list[str]) -> StoredImage:
    """The StoredImage for these bytes, creating the file and row only the first time.

    Names of files it creates are appended to `written`, so a caller whose transaction fails can
    remove them.
    """
    existing = StoredImage.objects.filter(sha256=image.sha256).first()
    if existing is not None:
        return existing
    name = f"images/{image.sha256[:2]}/{image.sha256}.{image.extension}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(image.content))
        written.append(name)
    try:
        with transaction.atomic():
            return StoredImage.objects.create(
                sha256=image.sha256,
                file=name,
                format=image.format,
                width=image.width,
                height=image.height,
                size_bytes=len(image.content),
                original_name=original_name[:255],
                uploaded_by=user,
            )
    except IntegrityError:  # the same picture arrived concurrently: keep the first, drop our copy
        first = StoredImage.objects.get(sha256=image.sha256)
        if name in written and name != first.file.name:
            default_storage.delete(name)
            written.remove(name)
        return first
