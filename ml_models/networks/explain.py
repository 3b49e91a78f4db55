"""The "explain" artifacts of a version, built from its Keras classifier: a second ONNX graph with one
output per feature-map layer (what the look-inside views show), and the layer table they draw.

- `explain.onnx`: the classifier's input, and as outputs every layer whose output is a stack of feature
  maps (N, H, W, C), each named after its Keras layer. The web process runs it with ONNX Runtime.
- `architecture.json`: every layer in order (type, output shape, parameters, inputs, group) and the first
  convolution's arithmetic (its kernel and bias with batch normalisation folded in, stride, activation),
  so one neuron can be recomputed by hand (ml_models/core/explain.py).

Both are checked before they are kept: each explain output must equal Keras' intermediate output on the
same pictures. Imports TensorFlow: worker and CLI only.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402

from ml_models.core.explain import ARCHITECTURE_FILE, EXPLAIN_FILE, INPUT_GROUP, HEAD_GROUP  # noqa: E402
from ml_models.core.inference import OnnxModel  # noqa: E402
from ml_models.networks import lite0  # noqa: E402
from ml_models.networks.export import export_onnx  # noqa: E402

# an explain output may differ from Keras by this share of the layer's largest value (float32 rounding
# through ~100 layers; a wrong weight or a wrong layer gives differences of order 1)
PARITY_MAX_RELATIVE_DIFF = 1e-3
_STUDENT_BLOCK = re.compile(r"^(?:conv|pool)(\d+)(?:_|$)")
_INPUT_LAYERS = {"image", "resize", "normalise"}


def _type_of(layer) -> str:
    if isinstance(layer, keras.layers.InputLayer):
        return "InputLayer"
    if type(layer).__name__ == "TFOpLambda":  # a TensorFlow op in the functional graph, e.g. tf.cast
        return layer.get_config().get("function", "op").split(".")[-1].capitalize()
    return type(layer).__name__


def _inputs_of(model: keras.Model) -> dict[str, list[str]]:
    """Layer name -> the names of the layers it reads, from the model's own graph."""
    inputs = {}
    for layer in model.layers:
        names = []
        for node in layer._inbound_nodes:  # noqa: SLF001 - the functional graph's edges
            inbound = node.inbound_layers
            for parent in inbound if isinstance(inbound, (list, tuple)) else [inbound]:
                if parent.name not in names:
                    names.append(parent.name)
        inputs[layer.name] = names
    return inputs


def group_of(name: str) -> str:
    """The block a layer is drawn in: Lite0's stages ("stem", "block3", "head"), the student CNN's
    conv blocks ("block1"), the input steps, or the classifier head."""
    if name in _INPUT_LAYERS or name.startswith("tf."):
        return INPUT_GROUP
    stage = lite0.stage_of(name)
    if stage:
        return stage
    match = _STUDENT_BLOCK.match(name)
    return f"block{match.group(1)}" if match else HEAD_GROUP


def _shape(layer) -> list[int]:
    shape = layer.output_shape
    shape = shape[0] if isinstance(shape, list) else shape
    return [int(size) for size in shape[1:]]


def feature_map_layers(model: keras.Model) -> list:
    """The layers whose output is a float stack of feature maps (N, H, W, C), in the model's order."""
    return [layer for layer in model.layers
            if not isinstance(layer, keras.layers.InputLayer) and _type_of(layer) != "Cast"
            and len(_shape(layer)) == 3 and layer.output.dtype == "float32"]


def explain_model(model: keras.Model) -> keras.Model:
    return keras.Model(model.inputs, {layer.name: layer.output for layer in feature_map_layers(model)},
                       name=f"{model.name}_explain")


def _stages_of_lite0() -> dict[str, dict]:
    """block name -> {"stage": n, "of": first block, "index", "count"}: blocks of a stage share output channels."""
    stages, first = {}, 0
    for index in range(len(lite0.BLOCKS) + 1):
        if index == len(lite0.BLOCKS) or (index and lite0.BLOCKS[index].filters_out != lite0.BLOCKS[first].filters_out):
            count, number = index - first, len({stage["of"] for stage in stages.values()}) + 1
            for position in range(first, index):
                stages[f"block{position}"] = {"stage": number,
                                              "of": f"block{first}", "index": position - first + 1, "count": count}
            first = index
    return stages


def layer_table(model: keras.Model) -> list[dict]:
    explained = {layer.name for layer in feature_map_layers(model)}
    inputs = _inputs_of(model)
    return [{"name": layer.name, "type": _type_of(layer), "output_shape": _shape(layer),
             "params": int(layer.count_params()), "learned_params": _learned(layer), "inputs": inputs[layer.name],
             "group": group_of(layer.name), "feature_maps": layer.name in explained}
            for layer in model.layers]


def _learned(layer) -> int:
    """The layer's numbers set by training: all its weights but batch normalisation's running statistics
    (its moving mean and variance are measured on the data, not learnt by gradient descent)."""
    return int(sum(np.prod(weight.shape) for weight in layer.weights if "moving_" not in weight.name))


def groups(table: list[dict], *, family: str) -> list[dict]:
    """The table's blocks in order, with their layers, parameters, output shape and (Lite0) stage repeats."""
    stages = _stages_of_lite0() if family.startswith("lite0") else {}
    result: list[dict] = []
    for layer in table:
        if not result or result[-1]["name"] != layer["group"]:
            stage = stages.get(layer["group"])
            result.append({"name": layer["group"], "layers": [], "params": 0, "output_shape": [],
                           "stage": stage["stage"] if stage else None,
                           "repeat": {key: stage[key] for key in ("of", "index", "count")} if stage else None})
        group = result[-1]
        group["layers"].append(layer["name"])
        group["params"] += layer["params"]
        group["output_shape"] = layer["output_shape"]
    return result


def _first_conv(model: keras.Model) -> dict:
    """The first convolution as arithmetic: folded kernel (k, k, 3, C) and bias (C), stride, activation."""
    inputs = _inputs_of(model)
    readers = {name: [other for other, parents in inputs.items() if name in parents] for name in inputs}
    conv = next(layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)
                and not isinstance(layer, keras.layers.DepthwiseConv2D))
    (input_name,) = inputs[conv.name]
    (bn_name,) = readers[conv.name]
    (activation_name,) = readers[bn_name]
    bn, activation, source = model.get_layer(bn_name), model.get_layer(activation_name), model.get_layer(input_name)
    if not isinstance(bn, keras.layers.BatchNormalization) or not isinstance(activation, keras.layers.ReLU):
        raise ValueError(f"{conv.name} is not followed by batch normalisation and ReLU")
    if not isinstance(source, keras.layers.Rescaling):
        raise ValueError(f"{conv.name} does not read the normalised picture")
    weights = conv.get_weights()
    kernel, bias = weights[0], (weights[1] if conv.use_bias else np.zeros(weights[0].shape[-1], np.float32))
    gamma, beta, mean, variance = bn.get_weights()
    scale = gamma / np.sqrt(variance + bn.epsilon)
    max_value = activation.get_config().get("max_value")
    return {
        "layer": conv.name, "batchnorm_layer": bn.name, "activation_layer": activation.name, "input_layer": source.name,
        "kernel_size": list(conv.kernel_size), "stride": int(conv.strides[0]), "padding": conv.padding,
        "kernel": (kernel * scale).tolist(), "bias": ((bias - mean) * scale + beta).tolist(),
        "activation": "relu6" if max_value == 6 else "relu",
        "batchnorm": {"gamma": gamma.tolist(), "beta": beta.tolist(), "mean": mean.tolist(),
                      "variance": variance.tolist(), "epsilon": float(bn.epsilon)},
        "normalisation": {"scale": float(np.asarray(source.scale)), "offset": float(np.asarray(source.offset))},
    }


def architecture(model: keras.Model, *, family: str) -> dict:
    table = layer_table(model)
    return {"family": family, "input_shape": table[0]["output_shape"], "params": int(model.count_params()),
            "learned_params": sum(layer["learned_params"] for layer in table), "layers": table, "groups": groups(table, family=family), "first_conv": _first_conv(model)}


@dataclass(frozen=True)
class ExplainParity:
    images: int
    layers: int
    max_relative_diff: float  # over every layer: max |keras - onnx| / max |keras|
    worst_layer: str

    @property
    def passed(self) -> bool:
        return self.max_relative_diff < PARITY_MAX_RELATIVE_DIFF

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed, "threshold": PARITY_MAX_RELATIVE_DIFF}


def check_explain_parity(explainer: keras.Model, onnx_path: Path, images: np.ndarray) -> ExplainParity:
    """Compare every explain output of Keras and ONNX Runtime on the same uint8 images (N, 224, 224, 3)."""
    keras_out = explainer.predict(images, batch_size=8, verbose=0)
    onnx_out = OnnxModel(onnx_path).predict(images)
    diffs = {name: float(np.abs(keras_out[name] - onnx_out[name]).max() / (np.abs(keras_out[name]).max() + 1e-6))
             for name in keras_out}
    worst = max(diffs, key=diffs.get)
    return ExplainParity(images=len(images), layers=len(diffs), max_relative_diff=diffs[worst], worst_layer=worst)


def export_explain(model: keras.Model, folder: Path, *, family: str, images: np.ndarray) -> dict:
    """Write explain.onnx and architecture.json for the classifier `model` into `folder`; returns the
    parity report. Raises ValueError when the explain graph disagrees with Keras."""
    explainer = explain_model(model)
    export_onnx(explainer, folder / EXPLAIN_FILE)
    parity = check_explain_parity(explainer, folder / EXPLAIN_FILE, images[:4])
    if not parity.passed:
        raise ValueError(f"the explain graph disagrees with Keras: {parity.as_dict()}")
    (folder / ARCHITECTURE_FILE).write_text(json.dumps(architecture(model, family=family)))
    return parity.as_dict()
