"""The tables static/js/lib/answer.js needs to give the answer Python gives, generated from the Python modules.

ImageNet class names and groups (ml_models.core.imagenet, tags), the labels of the answer's words, the heatmap's
colour ramp and opacity (ml_models.core.cam) and the server's photo limits: the browser has no copy of its own.
Served at /edge/answer-data.json (edge.views.answer_data adds the day-long cache header).
"""
from __future__ import annotations

import json
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse

from ml_models.core import answer, cam, contract, imagenet, tags


def tables() -> dict:
    """Everything answer.js and pixels.js read, as plain JSON-able values."""
    names = imagenet.groups()
    return {
        "imagenet_classes": contract.IMAGENET_CLASSES,
        "num_classes": imagenet.NUM_CLASSES,
        "groups": [tags.group_label(group) for group in names],
        # one entry per ImageNet class: its tag, both names and the index of its group in `groups`
        "classes": [{**tags.class_label(index), "group": names.index(imagenet.group_of(index))}
                    for index in range(imagenet.NUM_CLASSES)],
        "other_imagenet_classes": dict(answer.OTHER_IMAGENET_CLASSES),
        "labels": {"cat": answer.CAT, "dog": answer.DOG, "unusual": answer.UNUSUAL},
        "tag_source": tags.SOURCE,
        "cam": {"ramp": cam._RAMP.astype(int).tolist(), "max_alpha": cam.MAX_ALPHA,
                "overlay_max_side": cam.OVERLAY_MAX_SIDE, "fixed_scale_logits": cam.FIXED_SCALE_LOGITS},
        "input_size": contract.INPUT_SIZE,
        "limits": {"max_bytes": settings.EDUAI_MAX_UPLOAD_BYTES, "max_pixels": settings.EDUAI_MAX_IMAGE_PIXELS},
    }


@lru_cache(maxsize=1)
def _body() -> bytes:
    return json.dumps(tables(), ensure_ascii=False, separators=(",", ":")).encode()


def view(request) -> HttpResponse:
    """GET /edge/answer-data.json: the tables as JSON (the same bytes for everyone, cached by the browser)."""
    response = HttpResponse(_body(), content_type="application/json; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
