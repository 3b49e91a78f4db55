"""Look inside the model that answered one of your analyses: its layers, feature maps, first-layer filters,
one neuron's arithmetic, occlusion (automatic and painted), the CAM's faithfulness and its sanity check.

Everything runs with ONNX Runtime on the version's own artifacts (the explain graph and its layer table,
ml_models/core/explain.py), on the same 224x224 input the model answered. The caller has already checked
that the analysis is the user's (inside.selectors).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from classifier.images import read_image
from classifier.models import Analysis
from eduai import jobs
from eduai.errors import AppError, not_found
from eduai.models import Job
from inside.masks import read_mask
from inside.models import OcclusionFlip
from ml_models import runtime
from ml_models.core import answer as answers
from ml_models.core import occlusion
from ml_models.core.contract import INPUT_SIZE
from ml_models.core.explain import Explainer, NoExplainGraph, UnknownLayer, channel_image, channel_stats, png_data_url
from ml_models.core.inference import ServedModel
from ml_models.core.preprocess import to_model_input
from ml_models.models import ModelVersion

TOP_CHANNELS = 8
SANITY_SEED = 0  # the same random weights every time: a student can repeat the check and get the same numbers
PATCH_RANGE = (16, 112)
STRIDE_RANGE = (8, 112)
_explainers: OrderedDict[int, Explainer] = OrderedDict()
_explainers_lock = threading.Lock()


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)


def explainer_of(version: ModelVersion) -> Explainer:
    """The version's explain artifacts (cached per process like its sessions); 409 for versions exported
    before the look-inside views existed."""
    with _explainers_lock:
        found = _explainers.get(version.pk)
        if found is not None:
            _explainers.move_to_end(version.pk)
            return found
    try:
        found = Explainer(settings.MODELS_DIR / version.artifact_dir)
    except NoExplainGraph:
        raise AppError("no_explain_graph", _(
            "This model version was exported before the look-inside views existed: analyze the photo again "
            "with your class's current model, or train a new version, to look inside."), 409) from None
    with _explainers_lock:
        _explainers[version.pk] = found
        while len(_explainers) > settings.EDUAI_MODEL_CACHE_SIZE:
            _explainers.popitem(last=False)
    return found


def served_model_of(version: ModelVersion) -> ServedModel:
    try:
        return runtime.sessions.get(version)
    except Exception:  # noqa: BLE001 - missing or damaged files: the same answer for the student
        raise AppError("model_unavailable", _("The files of the model that answered this analysis cannot be "
                                               "loaded any more."), 503) from None


@lru_cache(maxsize=32)
def _model_input(sha256: str, path: str) -> np.ndarray:
    with open(path, "rb") as handle:
        picture = read_image(handle.read(), max_bytes=2**40, max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
    array = to_model_input(picture.rgb, (INPUT_SIZE, INPUT_SIZE))
    array.flags.writeable = False
    return array


def model_input_of(analysis: Analysis) -> np.ndarray:
    """The analysis's photo as the model saw it: uint8 (224, 224, 3)."""
    return _model_input(analysis.image.sha256, str(settings.MEDIA_ROOT / analysis.image.file.name))


def architecture_of(version: ModelVersion) -> dict:
    architecture = explainer_of(version).architecture
    return {"model": {"id": version.pk, "name": version.name, "version": version.version,
                      "family": architecture["family"]},
            "input_shape": architecture["input_shape"], "params": architecture["params"],
            "learned_params": architecture["learned_params"],
            "groups": architecture["groups"], "layers": architecture["layers"],
            "first_conv": {key: architecture["first_conv"][key]
                           for key in ("layer", "activation_layer", "input_layer")}}


def _checked_channel(channel, count: int) -> int:
    if not isinstance(channel, int) or not 0 <= channel < count:
        raise AppError("invalid", _("The channel must be a whole number from 0 to %(last)s.") % {"last": count - 1},
                       400, field="channel")
    return channel


def layer_maps(*, analysis: Analysis, name: str, channel: int | None = None, top: int = TOP_CHANNELS) -> dict:
    """One layer's feature maps for the analysis's photo: statistics of every channel, the `top` most active
    channels (by mean) as grey images, and `channel` when asked for."""
    started = time.perf_counter()
    explainer = explainer_of(analysis.model_version)
    try:
        layer = explainer.layer(name)
    except UnknownLayer:
        raise not_found(_("This model has no layer “%(name)s” with feature maps.") % {"name": name}) from None
    image = model_input_of(analysis)
    inference_started = time.perf_counter()
    maps = explainer.maps(image, name)[name]
    inference_ms = _ms(inference_started)
    if channel is not None:
        _checked_channel(channel, maps.shape[-1])
    images_started = time.perf_counter()
    stats = channel_stats(maps)
    ranked = sorted(stats, key=lambda row: row["mean"], reverse=True)[:top]
    chosen = None if channel is None else {**stats[channel], "image": channel_image(maps, channel)}
    return {
        "analysis": analysis.pk, "layer": name, "type": layer["type"], "shape": list(maps.shape),
        "channels": stats,
        "top": [{"index": row["index"], "mean": row["mean"], "max": row["max"],
                 "image": channel_image(maps, row["index"])} for row in ranked],
        "channel": chosen,
        "timings_ms": {"inference": inference_ms, "images": _ms(images_started), "total": _ms(started)},
    }


def _filter_image(kernel: np.ndarray) -> str:
    """A (k, k, 3) kernel as RGB: 128 is zero, and the largest weight (in size) of the filter reaches 0 or 255."""
    top = float(np.abs(kernel).max()) or 1.0
    return png_data_url(np.clip(np.rint(128 + 127 * kernel / top), 0, 255).astype(np.uint8))


def first_layer_filters(*, analysis: Analysis) -> dict:
    """The first convolution's filters as small RGB patches, each beside its response to the photo."""
    started = time.perf_counter()
    explainer = explainer_of(analysis.model_version)
    conv = explainer.first_conv
    maps = explainer.maps(model_input_of(analysis), conv["activation_layer"])[conv["activation_layer"]]
    kernels = explainer.filters()
    stats = channel_stats(maps)
    return {
        "layer": conv["layer"], "activation_layer": conv["activation_layer"], "kernel_size": conv["kernel_size"],
        "stride": conv["stride"],
        "filters": [{"index": index, "image": _filter_image(kernels[..., index]), "response": channel_image(maps, index),
                     "mean": stats[index]["mean"], "max": stats[index]["max"]} for index in range(kernels.shape[-1])],
        "timings_ms": {"total": _ms(started)},
    }


def _rounded(values: np.ndarray, digits: int = 5) -> list:
    return np.round(values.astype(np.float64), digits).tolist()


def neuron_arithmetic(*, analysis: Analysis, channel: int, x: int, y: int) -> dict:
    """The arithmetic of one cell of the first activation map, with the value the explain graph computed."""
    started = time.perf_counter()
    explainer = explainer_of(analysis.model_version)
    conv = explainer.first_conv
    found = explainer.maps(model_input_of(analysis), conv["input_layer"], conv["activation_layer"])
    normalised, activations = found[conv["input_layer"]], found[conv["activation_layer"]]
    try:
        neuron = explainer.neuron(normalised, channel=channel, x=x, y=y)
    except IndexError:
        rows, cols, channels = activations.shape
        raise AppError("invalid", _("Choose a cell inside the %(rows)s × %(cols)s map and a channel from 0 to "
                                    "%(last)s.") % {"rows": rows, "cols": cols, "last": channels - 1}, 400) from None
    scale, offset = conv["normalisation"]["scale"], conv["normalisation"]["offset"]
    pixels = np.rint((neuron.patch - offset) / scale)
    batchnorm = {key: (value[channel] if isinstance(value, list) else value) for key, value in conv["batchnorm"].items()}
    return {
        "layer": conv["layer"], "activation_layer": conv["activation_layer"], "input_layer": conv["input_layer"],
        "channel": channel, "x": x, "y": y, "kernel_size": conv["kernel_size"], "stride": conv["stride"],
        "input_shape": list(normalised.shape), "window": {"top": neuron.window[0], "left": neuron.window[1]},
        "patch": _rounded(neuron.patch),
        "pixels": [[[int(v) for v in pixels[i, j]] if neuron.inside[i, j] else None for j in range(pixels.shape[1])]
                   for i in range(pixels.shape[0])],
        "normalisation": {"scale": scale, "offset": offset},
        "kernel": _rounded(neuron.kernel), "products": _rounded(neuron.products),
        "sum": round(neuron.total, 5), "bias": round(neuron.bias, 5), "pre_activation": round(neuron.pre_activation, 5),
        "activation": conv["activation"], "output": round(neuron.output(conv["activation"]), 5),
        "stored": round(float(activations[y, x, channel]), 5),
        "batchnorm": {"folded": True, **batchnorm},
        "timings_ms": {"total": _ms(started)},
    }


def _evidence_of(analysis: Analysis) -> np.ndarray:
    """The analysis's signed CAM; analyses stored before it was kept have none (409, as for old versions)."""
    if "evidence" not in analysis.explanation:
        raise AppError("no_explain_graph", _("This analysis was stored before heatmaps kept their numbers: analyze "
                                             "the photo again to look inside."), 409)
    return np.asarray(analysis.explanation["evidence"], np.float32)


def _checked_fill(fill) -> str:
    if fill not in occlusion.FILLS:
        raise AppError("invalid", _("The fill must be one of: %(fills)s.") % {"fills": ", ".join(occlusion.FILLS)},
                       400, field="fill")
    return fill


def _verdict_of(model: ServedModel, image: np.ndarray) -> answers.Verdict:
    (verdict,) = occlusion.verdicts(model, image[None])
    return verdict


def _verdict_json(verdict: answers.Verdict) -> dict:
    return {"probabilities": {"cat": round(verdict.cat, 4), "dog": round(verdict.dog, 4)}, "label": verdict.label,
            "unusual_score": round(verdict.unusual_score, 4)}


def paint_occlusion(*, analysis: Analysis, mask, fill) -> dict:
    """The answer with the painted part of the photo hidden, and how much of the heatmap it covered. The first
    time a painting changes the answer, it is remembered (the `occlusion` exercise)."""
    started = time.perf_counter()
    fill = _checked_fill(fill)
    _evidence_of(analysis)
    hidden = read_mask(mask, photo_size=(analysis.image.width, analysis.image.height))
    model = served_model_of(analysis.model_version)
    image = model_input_of(analysis)
    inference_started = time.perf_counter()
    after = _verdict_of(model, occlusion.occlude(image, hidden, occlusion.filled(image, fill)))
    inference_ms = _ms(inference_started)
    # the same version on the same input gave the stored answer: no second run for "before"
    before = {"probabilities": {label: round(value, 4) for label, value in analysis.probabilities.items()},
              "label": analysis.label, "unusual_score": round(analysis.unusual_score, 4)}
    hidden_fraction = float(hidden.mean())
    if after.label != analysis.label:
        _remember_flip(analysis, analysis.label, after.label, hidden_fraction, fill)
    return {
        **_verdict_json(after), "before": before, "hidden_fraction": round(hidden_fraction, 4),
        "cam_overlap": round(occlusion.cam_overlap(hidden, np.asarray(analysis.explanation["grid"])), 4),
        "timings_ms": {"inference": inference_ms, "total": _ms(started)},
    }


def _remember_flip(analysis: Analysis, before: str, after: str, hidden_fraction: float, fill: str) -> None:
    flip = OcclusionFlip.objects.filter(analysis=analysis).first()
    if flip is None:
        OcclusionFlip.objects.get_or_create(analysis=analysis, defaults={
            "label_before": before, "label_after": after, "hidden_fraction": hidden_fraction, "fill": fill})
    elif hidden_fraction < flip.hidden_fraction:
        OcclusionFlip.objects.filter(pk=flip.pk).update(label_after=after, hidden_fraction=hidden_fraction, fill=fill)


def _checked_size(value, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise AppError("invalid", _("%(field)s must be a whole number of pixels from %(low)s to %(high)s.")
                       % {"field": field, "low": low, "high": high}, 400, field=field)
    return value


def _cam_on_grid(evidence: np.ndarray, edges: list[int], patch: int) -> np.ndarray:
    """The signed CAM averaged over each occlusion patch, for a like-for-like comparison."""
    full = occlusion.upsampled(evidence, INPUT_SIZE)
    return np.array([[full[top:top + patch, left:left + patch].mean() for left in edges] for top in edges])


def occlusion_map(*, analysis: Analysis, patch, stride, fill) -> dict:
    """How much the answer's number drops when each part of the photo is hidden, beside the CAM."""
    started = time.perf_counter()
    patch = _checked_size(patch, "patch", *PATCH_RANGE)
    stride = _checked_size(stride, "stride", *STRIDE_RANGE)
    fill = _checked_fill(fill)
    edges = occlusion.positions(INPUT_SIZE, patch, stride)
    if len(edges) ** 2 > occlusion.MAX_POSITIONS:
        raise AppError("invalid", _("That makes %(count)s positions; at most %(max)s: choose a larger stride.")
                       % {"count": len(edges) ** 2, "max": occlusion.MAX_POSITIONS}, 400, field="stride")
    model = served_model_of(analysis.model_version)
    image = model_input_of(analysis)
    found = occlusion.occlusion_map(model, image, label=analysis.label, patch=patch, stride=stride, fill=fill)
    cam = _cam_on_grid(_evidence_of(analysis), edges, patch)
    correlation = occlusion.rank_correlation(found.drops, cam)
    return {
        "class": analysis.label, "baseline": round(found.baseline, 4), "rows": len(edges), "cols": len(edges),
        "patch": patch, "stride": stride, "fill": fill, "grid": _rounded(found.drops, 4),
        "max_drop": round(float(found.drops.max()), 4),
        "cam_rank_correlation": None if correlation is None else round(correlation, 4),
        "timings_ms": {"total": _ms(started)},
    }


def cam_faithfulness(*, analysis: Analysis, fill="mean") -> dict:
    """Hide the CAM's hottest fifth, then its coldest fifth: which lowers the answer's number more?"""
    started = time.perf_counter()
    fill = _checked_fill(fill)
    model = served_model_of(analysis.model_version)
    found = occlusion.faithfulness(model, model_input_of(analysis), _evidence_of(analysis), label=analysis.label,
                                   fill=fill)
    return {**found.as_dict(), "timings_ms": {"total": _ms(started)}}


def start_sanity_check(*, analysis: Analysis, user) -> Job:
    explainer_of(analysis.model_version)  # refuse now, not in the worker, a version without explain artifacts
    return jobs.start_job(kind=Job.Kind.SANITY_CHECK, owner=user, params={"analysis": analysis.pk})


def run_sanity_check(job: Job, progress: jobs.Progress) -> dict:
    """The worker's side of the sanity check: CAM and occlusion map with the top layers randomised."""
    from ml_models.core.sanity import sanity_check

    started = time.perf_counter()
    progress.stage("randomise", 0.0)
    analysis = Analysis.objects.select_related("image", "model_version").get(pk=job.params["analysis"],
                                                                            user=job.owner)
    version = analysis.model_version
    model = served_model_of(version)
    steps = sanity_check(model, settings.MODELS_DIR / version.artifact_dir, explainer_of(version).architecture,
                         model_input_of(analysis), seed=SANITY_SEED,
                         on_step=lambda done, total: (progress.raise_if_cancelled(),
                                                      progress.stage("randomise", done / total)))
    return {"class": analysis.label, "analysis": analysis.pk, "steps": [step.as_dict(i) for i, step in enumerate(steps)],
            "timings_ms": {"total": _ms(started)}}
