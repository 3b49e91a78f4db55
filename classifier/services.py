"""Analyze an uploaded picture: validate -> store once -> run the class's model -> store the Analysis."""
from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from classifier.images import NormalisedImage, read_image
from classifier.models import Analysis, StoredImage
from ml_models import runtime
from ml_models.core.cam import FIXED_SCALE_LOGITS, fixed_scale, heatmap_png


def analyze_image(*, content: bytes, original_name: str, user, classroom=None) -> Analysis:
    """Validate and analyze uploaded bytes with the model that answers for `classroom` (None: the
    default); raises ImageRejected (nothing stored) on bad input. The analysis is private to `user`."""
    started = time.perf_counter()
    image = read_image(content, max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES, max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
    decode_ms = (time.perf_counter() - started) * 1000
    model = runtime.model_for(classroom)
    inference_started = time.perf_counter()
    answer = model.answer(image.rgb)
    inference_ms = (time.perf_counter() - inference_started) * 1000
    verdict = answer.verdict
    with files_removed_on_failure() as written, transaction.atomic():
        stored = store_image(image, user=user, written=written)
        # same picture + same model = same heatmap: written once, shared by its analyses ("evidence": the
        # map of the decision; files of the older winning-class maps are never reused)
        heatmap_name = f"heatmaps/v{model.version_id}/{stored.sha256[:2]}/{stored.sha256}.evidence.png"
        if not default_storage.exists(heatmap_name):
            png = heatmap_png(answer.cam, (image.width, image.height))
            heatmap_name = default_storage.save(heatmap_name, ContentFile(png))
            written.append(heatmap_name)
        analysis = Analysis.objects.create(
            user=user,
            image=stored,
            original_name=original_name[:255],
            classroom=classroom,
            model_version_id=model.version_id,
            label=verdict.label,
            probabilities={"cat": verdict.cat, "dog": verdict.dog},
            unusual_score=verdict.unusual_score,
            unusual_threshold=verdict.unusual_threshold,
            tags=answer.tags,
            tags_agree=answer.tags_agree,
            explanation={
                "method": "CAM",
                "explained": answer.explained,
                "against": answer.against,
                "grid": np.round(answer.cam.astype(np.float64), 3).tolist(),  # per-photo scale: the heatmap PNG
                "evidence": np.round(answer.evidence.astype(np.float64), 4).tolist(),  # signed, logits per cell
                "fixed_scale_logits": FIXED_SCALE_LOGITS,
            },
            heatmap=heatmap_name,
            timings_ms={
                "decode": round(decode_ms, 2),
                "inference": round(inference_ms, 2),
                "total": round((time.perf_counter() - started) * 1000, 2),  # up to the database write
            },
        )
    return analysis


def fixed_scale_heatmap_png(*, analysis: Analysis) -> bytes | None:
    """The analysis's heatmap on the fixed scale (the same for every photo), drawn from its stored evidence;
    None for analyses stored before the evidence was kept."""
    explanation = analysis.explanation
    if "evidence" not in explanation:
        return None
    grid = fixed_scale(np.asarray(explanation["evidence"], dtype=np.float32), explanation["fixed_scale_logits"])
    return heatmap_png(grid, (analysis.image.width, analysis.image.height))


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


def store_image(image: NormalisedImage, *, user, written: list[str]) -> StoredImage:
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
                uploaded_by=user,
            )
    except IntegrityError:  # the same picture arrived concurrently: keep the first, drop our copy
        first = StoredImage.objects.get(sha256=image.sha256)
        if name in written and name != first.file.name:
            default_storage.delete(name)
            written.remove(name)
        return first


def delete_analysis(*, analysis: Analysis) -> None:
    """Delete one of your analyses; its photo and heatmap files go once nothing refers to them any more
    (another analysis of the same photo, or a class it was shared into, keeps the photo)."""
    image, heatmap = analysis.image, analysis.heatmap.name
    with transaction.atomic():
        analysis.delete()
        heatmap_unused = not Analysis.objects.filter(heatmap=heatmap).exists()
        image_unused = not (image.analyses.exists() or image.class_images.exists())
        if image_unused:
            image.delete()  # also its cached scores
    transaction.on_commit(lambda: _delete_files([heatmap] * heatmap_unused + [image.file.name] * image_unused))


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)
