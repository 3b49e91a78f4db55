"""training/pipeline/quantize.py: TFLite and ONNX INT8 files are smaller, keep the I/O contract, agree
with Keras; one harness measures them all. ONNX files run in ml_models.core.inference.OnnxModel, the
one ONNX Runtime wrapper; the student CNN quantizes at the contract's 224x224 input."""
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
    from ml_models.networks.export import export_onnx
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

    from ml_models.core.inference import OnnxModel

    _, (test_images, _) = task
    (image_input,) = ort.InferenceSession(str(onnx_files["int8"])).get_inputs()
    assert (image_input.name, image_input.type) == ("image", "tensor(uint8)")
    runner = OnnxModel(onnx_files["int8"])
    assert runner.input_name == "image" and set(runner.output_names) == OUTPUT_NAMES
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
    from ml_models.core.inference import OnnxModel
    from training.pipeline.quantize import TfliteRunner, keras_predict_fn, measure_artifact

    _, (test_images, test_labels) = task
    images, labels = test_images[:40], test_labels[:40]
    model.save(tmp_path / "model.keras")
    candidates = {
        "keras": (keras_predict_fn(model), tmp_path / "model.keras"),
        **{f"onnx_{name}": (OnnxModel(path).predict, path) for name, path in onnx_files.items()},
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
    from ml_models.core.inference import OnnxModel
    from training.pipeline.quantize import onnx_int8

    (train_images, _), (test_images, _) = task
    out = onnx_int8(onnx_files["fp32"], tmp_path / "int8.onnx", train_images[:count])
    assert OnnxModel(out).predict(test_images[:4])["probabilities"].shape == (4, 2)


def test_trained_and_pretrained_versions_share_one_onnx_quantizer():
    """The pipeline's onnx_int8 is the model core's (ml_models/core/int8.py), which quantizes every served graph."""
    from ml_models.core import int8
    from training.pipeline import quantize

    assert quantize.onnx_int8 is int8.onnx_int8


def test_onnx_model_refuses_float_images(onnx_files, task):
    from ml_models.core.inference import OnnxModel

    _, (test_images, _) = task
    with pytest.raises(ValueError, match="uint8"):
        OnnxModel(onnx_files["int8"]).predict(test_images.astype(np.float32))


@pytest.fixture(scope="module")
def student_cnn():
    """The student CNN as the pipeline trains it: uint8 224x224 in (the model contract), resized to 32
    inside its graph; a few epochs on halves at that input."""
    import tf_keras as keras

    from ml_models.networks.student_cnn import build_student_cnn
    from tests.test_pipeline_training import halves
    from training.pipeline import train
    from training.pipeline.data import make_dataset

    keras.utils.set_random_seed(0)
    (images, labels), (test_images, test_labels) = halves(160, size=224), halves(40, size=224, seed=1)
    model = build_student_cnn(2, 32)
    train.compile_model(model, 3e-3)
    train.fit(model, make_dataset(images, labels, batch_size=16, shuffle=True),
              make_dataset(test_images, test_labels, batch_size=16), stage="train", epochs=4, patience=0,
              history=train.History())
    assert accuracy(model, test_images, test_labels) >= 0.9, "the student CNN must learn before it is quantized"
    return model, images, test_images


def test_the_student_cnn_quantizes_at_the_contract_input_and_agrees_with_keras(student_cnn, tmp_path):
    from ml_models.core.contract import INPUT_SIZE
    from ml_models.core.inference import OnnxModel
    from ml_models.networks.export import export_onnx
    from training.pipeline.quantize import TfliteRunner, onnx_int8, tflite_int8

    model, train_images, test_images = student_cnn
    assert INPUT_SIZE == 224 and tuple(model.inputs[0].shape[1:]) == (224, 224, 3)
    export_onnx(model, tmp_path / "fp32.onnx")
    quantized = OnnxModel(onnx_int8(tmp_path / "fp32.onnx", tmp_path / "int8.onnx", train_images[:100]))
    (image_input,) = quantized.session.get_inputs()
    assert image_input.type == "tensor(uint8)" and image_input.shape[1:] == [224, 224, 3]
    outputs = quantized.predict(test_images)
    assert_serving_contract(outputs, len(test_images), model)
    assert agreement(model, outputs, test_images) >= MIN_AGREEMENT
    assert (tmp_path / "int8.onnx").stat().st_size < 0.7 * (tmp_path / "fp32.onnx").stat().st_size

    runner = TfliteRunner(tflite_int8(model, train_images[:100]))
    assert tuple(runner._runner.get_input_details()["image"]["shape"][1:]) == (224, 224, 3)
    outputs = runner.predict(test_images)
    assert_serving_contract(outputs, len(test_images), model)
    assert agreement(model, outputs, test_images) >= MIN_AGREEMENT
