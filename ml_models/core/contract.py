"""The model contract: a version's signature says everything about its answer.

The signature is JSON stored in the version's manifest (and served by the API): the input and its
preprocessing, each output and what it means, the class names, the decision rule (which outputs
make cat and dog, how the unusual score is computed, its threshold and where it was calibrated),
where tags come from and which output holds the Class Activation Maps. Serving (Python now, the
browser later) reads only this; `answer.answer()` turns outputs + signature into the answer.

Class indices are written as inclusive ranges, `[[281, 285]]`, so the 118 dog breeds stay short.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ml_models.core import imagenet

SCHEMA = 2  # bump when the meaning of a field changes; older versions are refused, not guessed at
INPUT_SIZE = 224  # every version takes the same input, so any version can answer any picture
IMAGENET_CLASSES = "imagenet-1k"  # class names from ml_models/core/data/imagenet_labels.json
TAG_SETTINGS = {"min_group_confidence": 0.10, "min_class_confidence": 0.02, "max_class_tags": 5}
CAM_METHOD = ("Class Activation Map (Zhou et al., 2016): the last feature maps weighted by the final dense "
              "layer's weights for the class (no bias); averaging a class's map over the cells, plus the bias, "
              "gives its logit. The heatmap combines the maps as the decision does (answer's class against "
              "the alternative: ml_models/core/cam.py::evidence_map)")


class SignatureError(ValueError):
    """A signature that does not follow this contract (older schema, missing or inconsistent fields)."""


def ranges(indices: Iterable[int]) -> list[list[int]]:
    """Sorted class indices as inclusive [first, last] runs: [151, ..., 268] -> [[151, 268]]."""
    runs: list[list[int]] = []
    for index in sorted(set(int(i) for i in indices)):
        if runs and index == runs[-1][1] + 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return runs


def indices(runs: list[list[int]]) -> np.ndarray:
    """The class indices of inclusive [first, last] runs."""
    return np.concatenate([np.arange(first, last + 1) for first, last in runs]) if runs else np.zeros(0, int)


def input_spec() -> dict:
    return {
        "name": "image", "dtype": "uint8", "shape": [None, INPUT_SIZE, INPUT_SIZE, 3], "layout": "NHWC",
        "channels": "RGB", "resize": "the whole picture squashed to 224x224 (no crop), bilinear",
        "orientation": "EXIF orientation applied; transparency over white; first frame of animations",
        "normalisation": "inside the graph",
    }


def unusual_rule(*, output: str, threshold: float, calibration: dict) -> dict:
    """How the unusual score is computed from the ImageNet probabilities, and when it flags a picture."""
    return {
        "output": output,
        "score": "1 - the probability mass of the cat and dog ImageNet classes",
        "classes": ranges([*imagenet.CAT_CLASSES, *imagenet.DOG_CLASSES]),
        "threshold": float(threshold),
        "calibration": calibration,
    }


def _tags(output: str) -> dict:
    return {"output": output, "classes": IMAGENET_CLASSES, "source": "imagenet", **TAG_SETTINGS}


def _decision(*, output: str, cat: list[list[int]], dog: list[list[int]], unusual: dict) -> dict:
    return {
        "output": output,
        "classes": {"cat": cat, "dog": dog},
        "rule": "P(cat) = mass(cat) / (mass(cat) + mass(dog)); the answer is unusual when the unusual score "
                "reaches its threshold, otherwise the likelier of cat and dog",
        "unusual": unusual,
    }


def pretrained_signature(*, family: str, feature_maps: tuple[int, int, int], embedding: int, unusual: dict) -> dict:
    """The ImageNet network answering cat, dog or unusual without being trained on our labels: its ImageNet
    classes regrouped into cat (the 5 domestic-cat classes) and dog (the 118 dog breeds)."""
    return {
        "schema": SCHEMA,
        "family": family,
        "input": input_spec(),
        "outputs": {
            "probabilities": {"shape": [None, imagenet.NUM_CLASSES], "meaning": "ImageNet-1k softmax"},
            "embedding": {"shape": [None, embedding], "meaning": "global average pool of the last feature maps"},
            "feature_maps": {"shape": [None, *feature_maps], "meaning": "last convolutional feature maps"},
            "class_maps": {"shape": [None, *feature_maps[:2], imagenet.NUM_CLASSES],
                           "meaning": "one Class Activation Map per class of probabilities"},
        },
        "class_names": IMAGENET_CLASSES,
        "decision": _decision(output="probabilities", cat=ranges(imagenet.CAT_CLASSES),
                              dog=ranges(imagenet.DOG_CLASSES), unusual=unusual),
        "tags": _tags("probabilities"),
        "cam": {"output": "class_maps", "classes_of": "probabilities", "method": CAM_METHOD},
    }


def trained_signature(*, family: str, class_names: list[str], feature_maps: tuple[int, int, int],
                      embedding: int, unusual: dict) -> dict:
    """A classifier trained on a class's labels, with the ImageNet outputs for tags and the unusual score."""
    return {
        "schema": SCHEMA,
        "family": family,
        "input": input_spec(),
        "outputs": {
            "probabilities": {"shape": [None, len(class_names)], "meaning": "softmax over class_names"},
            "imagenet_probabilities": {"shape": [None, imagenet.NUM_CLASSES],
                                       "meaning": "ImageNet-1k softmax of the pretrained network"},
            "embedding": {"shape": [None, embedding], "meaning": "global average pool of the last feature maps"},
            "feature_maps": {"shape": [None, *feature_maps], "meaning": "last convolutional feature maps"},
            "class_maps": {"shape": [None, *feature_maps[:2], len(class_names)],
                           "meaning": "one Class Activation Map per class of probabilities"},
        },
        "class_names": list(class_names),
        "decision": _decision(output="probabilities", cat=ranges([class_names.index("cat")]),
                              dog=ranges([class_names.index("dog")]), unusual=unusual),
        "tags": _tags("imagenet_probabilities"),
        "cam": {"output": "class_maps", "classes_of": "probabilities", "method": CAM_METHOD},
    }


def classes_of(signature: dict, output: str) -> int:
    return int(signature["outputs"][output]["shape"][-1])


def validate(signature: dict) -> dict:
    """The signature itself when it follows this contract; SignatureError naming what does not."""
    if not isinstance(signature, dict) or signature.get("schema") != SCHEMA:
        raise SignatureError(f"signature schema {signature.get('schema') if isinstance(signature, dict) else None!r}"
                             f" is not {SCHEMA}: this version was exported before the current model contract")
    try:
        outputs = signature["outputs"]
        shape = signature["input"]["shape"]
        if signature["input"]["dtype"] != "uint8" or list(shape[1:]) != [INPUT_SIZE, INPUT_SIZE, 3]:
            raise SignatureError(f"input must be uint8 (N, {INPUT_SIZE}, {INPUT_SIZE}, 3)")
        decision, unusual, tags, cam = (signature["decision"], signature["decision"]["unusual"], signature["tags"],
                                        signature["cam"])
        for role, output in (("decision", decision["output"]), ("unusual", unusual["output"]), ("tags", tags["output"]),
                             ("cam", cam["output"]), ("cam classes", cam["classes_of"])):
            if output not in outputs:
                raise SignatureError(f"{role} reads output {output!r}, which the graph does not have")
        for name in ("cat", "dog"):
            runs = decision["classes"][name]
            if not runs or indices(runs).max() >= classes_of(signature, decision["output"]):
                raise SignatureError(f"decision classes of {name} do not fit output {decision['output']!r}")
        if indices(unusual["classes"]).max() >= classes_of(signature, unusual["output"]):
            raise SignatureError("unusual classes do not fit their output")
        if not 0.0 <= float(unusual["threshold"]) <= 1.0:
            raise SignatureError("the unusual threshold must be between 0 and 1")
        if cam["classes_of"] != decision["output"]:
            raise SignatureError("the CAM must map the classes of the decision output")
        if classes_of(signature, cam["output"]) != classes_of(signature, cam["classes_of"]):
            raise SignatureError("the class maps need one channel per class")
    except (KeyError, TypeError, IndexError) as error:
        raise SignatureError(f"signature field missing or malformed: {error}") from error
    return signature
