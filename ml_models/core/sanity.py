"""The model-randomisation sanity check of a saliency map (Adebayo et al., "Sanity Checks for Saliency Maps",
2018), on a version's own ONNX graph (no Django, no TensorFlow).

The weights of the network's layers are replaced by random numbers one layer (or block) at a time from the
top, cumulatively, and the CAM (and the occlusion map) of the same picture is computed again at each step.
A map that explains the model must change as the model is destroyed: its rank correlation with the real
map should fall towards zero. A map that barely changes shows the picture's edges, not the model's reasons.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import numpy_helper

from ml_models.core import answer as answers
from ml_models.core import occlusion
from ml_models.core.artifacts import ONNX_FILE
from ml_models.core.cam import evidence_map, per_photo_scale
from ml_models.core.inference import OnnxModel, ServedModel

WEIGHTED_TYPES = ("Conv2D", "DepthwiseConv2D", "Dense")
CAM_HEAD = {"logits": ("logits", "class_maps")}  # the class maps are the dense layer's weights as a 1x1 convolution
MAX_STEPS = 6
OCCLUSION_PATCH = 56
OCCLUSION_STRIDE = 56


def cascade(architecture: dict, max_steps: int = MAX_STEPS) -> list[list[str]]:
    """The layers randomised at each step, from the top: the dense layer first, then one block at a time."""
    steps: list[list[str]] = []
    groups: list[str] = []
    for layer in reversed(architecture["layers"]):
        if layer["type"] not in WEIGHTED_TYPES or not layer["params"]:
            continue
        if layer["type"] == "Dense" or not groups or groups[-1] != layer["group"]:
            steps.append([])
            groups.append(layer["group"] if layer["type"] != "Dense" else "")
        steps[-1].append(layer["name"])
    return steps[:max_steps]


def _layer_of(node_name: str, known: set[str]) -> str | None:
    """The model's own layer a node was converted from: tf2onnx names it "model/layer/op"; a nested model's
    layers ("model/efficientnet_lite0/logits/MatMul", the ImageNet branch) are not the model's own."""
    segments = node_name.split("/")
    return segments[1] if len(segments) > 2 and segments[1] in known else None


def randomise(graph: onnx.ModelProto, layers: list[str], rng: np.random.Generator) -> list[str]:
    """Replace in place the weights and biases of the graph's nodes that belong to `layers` by random
    numbers of the same shape and spread (normal, each tensor's own standard deviation); returns the
    initializers replaced."""
    known = {name for layer in layers for name in CAM_HEAD.get(layer, (layer,))}
    wanted = {tensor for node in graph.graph.node if _layer_of(node.name, known) for tensor in node.input}
    replaced = []
    for index, tensor in enumerate(graph.graph.initializer):
        if tensor.name not in wanted or tensor.data_type != onnx.TensorProto.FLOAT:
            continue
        values = numpy_helper.to_array(tensor)
        if values.size < 2:
            continue
        noise = rng.normal(0.0, float(values.std()) or 1e-2, values.shape).astype(np.float32)
        graph.graph.initializer[index].CopyFrom(numpy_helper.from_array(noise, tensor.name))
        replaced.append(tensor.name)
    return replaced


@dataclass
class Step:
    randomised: list[str]
    evidence: np.ndarray
    occlusion: np.ndarray | None
    cam_rank_correlation: float | None = None
    occlusion_rank_correlation: float | None = None
    replaced: list[str] = field(default_factory=list)

    def as_dict(self, index: int) -> dict:
        return {"step": index, "randomised": self.randomised, "cam": np.round(per_photo_scale(self.evidence), 3).tolist(),
                "cam_rank_correlation": _rounded(self.cam_rank_correlation),
                "occlusion": None if self.occlusion is None else np.round(self.occlusion, 4).tolist(),
                "occlusion_rank_correlation": _rounded(self.occlusion_rank_correlation)}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def sanity_check(model: ServedModel, folder, architecture: dict, image: np.ndarray, *, seed: int = 0,
                 with_occlusion: bool = True, on_step: Callable[[int, int], None] | None = None) -> list[Step]:
    """Step 0 is the real model; each later step randomises one more layer or block from the top."""
    signature = model.signature
    (row,) = answers.rows(model.predict(image[None]))
    verdict = answers.decide(row, signature)
    classes_of = signature["cam"]["classes_of"]
    towards, against, _, _ = answers.explained_classes(verdict, row[classes_of], signature)

    def measure(served: ServedModel) -> tuple[np.ndarray, np.ndarray | None]:
        (outputs,) = answers.rows(served.predict(image[None], [signature["cam"]["output"], classes_of]))
        evidence = evidence_map(outputs[signature["cam"]["output"]], outputs[classes_of], towards, against)
        if not with_occlusion:
            return evidence, None
        found = occlusion.occlusion_map(served, image, label=verdict.label, patch=OCCLUSION_PATCH,
                                        stride=OCCLUSION_STRIDE, fill="mean")
        return evidence, found.drops

    evidence, occluded = measure(model)
    steps = [Step([], evidence, occluded, 1.0, 1.0 if occluded is not None else None)]
    graph = onnx.load(str(folder / ONNX_FILE))
    rng = np.random.default_rng(seed)
    plan = cascade(architecture)
    for number, layers in enumerate(plan, start=1):
        replaced = randomise(graph, layers, rng)
        served = ServedModel(model.name, model.version, model.kind, signature, OnnxModel(graph.SerializeToString()))
        step_evidence, step_occlusion = measure(served)
        steps.append(Step(layers, step_evidence, step_occlusion,
                          occlusion.rank_correlation(evidence, step_evidence),
                          None if occluded is None else occlusion.rank_correlation(occluded, step_occlusion),
                          replaced))
        if on_step:
            on_step(number, len(plan))
    return steps
