"""training/pipeline/quantize.py: TFLite and ONNX INT8 files are smaller, keep the I/O contract, agree
with Keras; one harness measures them all."""
import time

import numpy as np
import pytest

from tests.test_pipeline_prune import accuracy, model, task  # noqa: F401 - the shared tiny model and task

pytestmark = pytest.mark.tensorflow

MIN_AGREEMENT = 0.95
OUTPUT_NAMES = {"probabilities", "embedding", "feature_maps"}


@pytest.fixture(scope="module")
def tflite_files(model, task):
    from training.pipeline import quantize

    (train_images, _), _ = task
    return {
        "float": quantize.tflite_float(model),
        "dynamic": quantize.tflite_dynamic_range(model),
        "int8": quantize.tflite_int8(model, train_images[:100]),
    }


@pytest.fixture(scope="module")
def onnx_files(model, task, tmp_path_factory):
    from ml_models.export import export_onnx
    from training.pipeline.quantize import onnx_int8

    (train_images, _), _ = task
    folder = tmp_path_factory.mktemp("onnx")
    export_onnx(model, folder / "fp32.onnx")
    onnx_int8(folder / "fp32.onnx", folder / "int8.onnx", train_images[:100])
    return {"fp32": folder / "fp32.onnx", "int8": folder / "int8.onnx"}


def agreement(model, outputs: dict, images: np.ndarray) -> float:
    expected = model.predict(images, verbose=0)["probabilities"].argmax(1)
    return float(np.mean(outputs["probabilities"].argmax(1) == expected))


def assert_serving_contract(outputs: dict, count: int, model) -> None:
    assert set(outputs) == OUTPUT_NAMES
    for name, output_shape in zip(model.output_names, model.outputs):
        assert outputs[name].dtype == np.float32, name
        assert outputs[name].shape == (count, *output_shape.shape[1:]), name
    np.testing.assert_allclose(outputs["probabilities"].sum(1), 1.0, atol=0.02)


@pytest.mark.parametrize("variant", ["float", "dynamic", "int8"])
def test_tflite_runs_in_litert_and_agrees_with_keras(variant, tflite_files, model, task):
    from training.pipeline.quantize import TfliteRunner

    _, (test_images, _) = task
    outputs = TfliteRunner(tflite_files[variant]).predict(test_images)
    assert_serving_contract(outputs, len(test_images), model)
    assert agreement(model, outputs, test_images) >= MIN_AGREEMENT


def test_tflite_int8_is_integer_inside_with_uint8_input(tflite_files):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=tflite_files["int8"])
    runner = interpreter.get_signature_runner()
    assert runner.get_input_details()["image"]["dtype"] == np.uint8
    # every convolution and dense layer computes on int8 activations with int8 weights
    tensors = interpreter.get_tensor_details()
    compute_ops = [op for op in interpreter._get_ops_details() if op["op_name"] in
                   {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"}]
    assert len(compute_ops) == 4
    for op in compute_ops:
        assert tensors[op["inputs"][0]]["dtype"] == np.int8, op["op_name"]
        assert tensors[op["inputs"][1]]["dtype"] == np.int8, op["op_name"]


def test_quantized_tflite_files_are_smaller_than_float(tflite_files):
    assert len(tflite_files["int8"]) < 0.5 * len(tflite_files["float"])
    assert len(tflite_files["dynamic"]) < 0.5 * len(tflite_files["float"])


def test_tflite_runner_refuses_float_images(tflite_files, task):
    from training.pipeline.quantize import TfliteRunner

    _, (test_images, _) = task
    with pytest.raises(ValueError, match="uint8"):
        TfliteRunner(tflite_files["int8"]).predict(test_images.astype(np.float32))


def test_onnx_int8_keeps_uint8_input_and_agrees_with_keras(onnx_files, model, task):
    import onnxruntime as ort

    from training.pipeline.quantize import OnnxRunner

    _, (test_images, _) = task
    (image_input,) = ort.InferenceSession(str(onnx_files["int8"])).get_inputs()
    assert (image_input.name, image_input.type) == ("image", "tensor(uint8)")
    runner = OnnxRunner(onnx_files["int8"])
    outputs = runner.predict(test_images)
    assert_serving_contract(outputs, len(test_images), model)
    assert agreement(model, outputs, test_images) >= MIN_AGREEMENT


def test_onnx_int8_is_static_qdq_and_smaller_than_fp32(onnx_files):
    import onnx

    graph = onnx.load(onnx_files["int8"]).graph
    op_types = {node.op_type for node in graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= op_types
    int8_weights = [init for init in graph.initializer if init.data_type == onnx.TensorProto.INT8]
    assert len(int8_weights) >= 4  # conv1, depthwise, conv2, dense
    # not the 4x of a real model: on this tiny one, Q/DQ nodes and per-channel scales weigh as much as weights
    assert onnx_files["int8"].stat().st_size < 0.7 * onnx_files["fp32"].stat().st_size


def test_measure_artifact_counts_sizes_latency_and_accuracy_on_a_hand_made_case():
    from training.pipeline.quantize import measure_artifact

    images = np.zeros((4, 2, 2, 3), dtype=np.uint8)
    images[[1, 3], 0, 0, 0] = 1  # the fake model predicts class 1 where this pixel is set
    labels = np.array([0, 1, 1, 1])  # image 2 is predicted 0: 3 right out of 4
    calls = []

    def predict(batch):
        calls.append(len(batch))
        time.sleep(0.002)
        classes = batch[:, 0, 0, 0]
        return {"probabilities": np.stack([1.0 - classes, classes], axis=1)}

    result = measure_artifact(predict, images, labels, artifact=b"x" * 123, warmup=2, runs=10)
    assert set(result) == {"size_bytes", "latency_p50_ms", "accuracy"}
    assert result["size_bytes"] == 123
    assert result["accuracy"] == 0.75
    assert 2.0 <= result["latency_p50_ms"] < 50
    assert calls == [1] * (2 + 10)  # warm-up, then batch-1 calls cycling over the 4 images


def test_measure_artifact_compares_every_format_on_the_same_terms(
    model, task, tflite_files, onnx_files, tmp_path
):
    from training.pipeline.quantize import OnnxRunner, TfliteRunner, keras_predict_fn, measure_artifact

    _, (test_images, test_labels) = task
    images, labels = test_images[:40], test_labels[:40]
    model.save(tmp_path / "model.keras")
    candidates = {
        "keras": (keras_predict_fn(model), tmp_path / "model.keras"),
        **{f"onnx_{name}": (OnnxRunner(path).predict, path) for name, path in onnx_files.items()},
        **{f"tflite_{name}": (TfliteRunner(data).predict, data) for name, data in tflite_files.items()},
    }
    results = {
        name: measure_artifact(predict, images, labels, artifact=artifact, warmup=2)
        for name, (predict, artifact) in candidates.items()
    }
    for name, result in results.items():
        assert result["size_bytes"] > 0, name
        assert 0 < result["latency_p50_ms"] < 1000, name
        assert result["accuracy"] >= 0.9, name
    assert results["keras"]["accuracy"] == accuracy(model, images, labels)
    assert results["onnx_int8"]["size_bytes"] < results["onnx_fp32"]["size_bytes"]
    assert results["tflite_int8"]["size_bytes"] < results["tflite_float"]["size_bytes"]


@pytest.mark.parametrize("count", [8, 16, 32, 48])
def test_onnx_int8_calibrates_on_any_number_of_images(onnx_files, task, tmp_path, count):
    """onnxruntime reports "no data" when the count is a multiple of its merge chunk; ours avoids it."""
    from training.pipeline.quantize import OnnxRunner, onnx_int8

    (train_images, _), (test_images, _) = task
    out = onnx_int8(onnx_files["fp32"], tmp_path / "int8.onnx", train_images[:count])
    assert OnnxRunner(out).predict(test_images[:4])["probabilities"].shape == (4, 2)
