"""The explain artifacts (ml_models/networks/explain.py) against Keras, for both model families, on real photos."""
import numpy as np
import pytest

from ml_models.core.contract import INPUT_SIZE
from ml_models.core.explain import Explainer
from ml_models.core.preprocess import load_rgb, to_model_input

tf_keras = pytest.importorskip("tf_keras")


@pytest.fixture(scope="module")
def photos(cat_photos, dog_photos) -> np.ndarray:
    return np.stack([to_model_input(load_rgb(path), (INPUT_SIZE, INPUT_SIZE)) for path in (cat_photos[0], dog_photos[0])])


@pytest.fixture(scope="module")
def student_model():
    """A student CNN (64x64 inside its graph) with batch normalisation that is not the identity, so folding
    it into the first kernel is really tested."""
    from ml_models.networks.student_cnn import build_student_cnn

    tf_keras.utils.set_random_seed(3)
    model = build_student_cnn(2, 64)
    rng = np.random.default_rng(3)
    for layer in model.layers:
        if isinstance(layer, tf_keras.layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 2, gamma.shape), rng.normal(0, 0.3, beta.shape),
                               rng.normal(0, 0.2, mean.shape), rng.uniform(0.5, 2, variance.shape)])
    return model


@pytest.fixture(scope="module")
def student_folder(student_model, photos, tmp_path_factory):
    from ml_models.networks.explain import export_explain

    folder = tmp_path_factory.mktemp("student")
    report = export_explain(student_model, folder, family="student_cnn", images=photos)
    assert report["passed"] and report["layers"] == 18  # resize, normalise, 4 x (conv, bn, relu), 3 pools, feature_maps
    return folder


def _keras_maps(model, names, images) -> dict:
    return tf_keras.Model(model.inputs, {name: model.get_layer(name).output for name in names}).predict(images, verbose=0)


def test_student_feature_maps_from_the_explain_graph_equal_keras(student_model, student_folder, photos):
    explainer = Explainer(student_folder)
    names = [layer["name"] for layer in explainer.architecture["layers"] if layer["feature_maps"]]
    expected = _keras_maps(student_model, names, photos)
    for index, photo in enumerate(photos):
        found = explainer.maps(photo, *names)
        for name in names:
            scale = np.abs(expected[name][index]).max() + 1e-6
            assert np.abs(found[name] - expected[name][index]).max() / scale < 1e-4, name


def test_student_layer_table_chains_and_counts_the_models_parameters(student_model, student_folder):
    architecture = Explainer(student_folder).architecture
    layers = architecture["layers"]
    assert architecture["params"] == student_model.count_params() == sum(layer["params"] for layer in layers)
    # what training sets: every trainable weight (the running statistics of batch normalisation are not)
    assert architecture["learned_params"] == sum(int(np.prod(w.shape)) for w in student_model.trainable_weights)
    by_name = {layer["name"]: layer for layer in layers}
    for previous, layer in zip(layers, layers[1:]):
        assert layer["inputs"] == [previous["name"]], layer["name"]  # the student CNN is one chain
        if layer["type"] in ("BatchNormalization", "ReLU"):
            assert layer["output_shape"] == previous["output_shape"]
        if layer["type"] == "MaxPooling2D":
            assert layer["output_shape"] == [previous["output_shape"][0] // 2, previous["output_shape"][1] // 2,
                                             previous["output_shape"][2]]
    assert by_name["conv1"]["output_shape"] == [64, 64, 16] and by_name["conv4"]["output_shape"] == [8, 8, 128]
    assert [group["name"] for group in architecture["groups"]] == [
        "input", "block1", "block2", "block3", "block4", "classifier"]
    assert architecture["first_conv"] | {"kernel": None, "bias": None, "batchnorm": None} == {
        "layer": "conv1", "batchnorm_layer": "conv1_bn", "activation_layer": "conv1_relu", "input_layer": "normalise",
        "kernel_size": [3, 3], "stride": 1, "padding": "same", "kernel": None, "bias": None, "activation": "relu",
        "batchnorm": None, "normalisation": {"scale": pytest.approx(1 / 255), "offset": 0.0}}


@pytest.mark.parametrize("cell", [(0, 0, 0), (3, 10, 20), (15, 63, 63), (7, 63, 0)])
def test_student_neuron_arithmetic_reproduces_the_activation(student_folder, photos, cell):
    channel, x, y = cell
    explainer = Explainer(student_folder)
    found = explainer.maps(photos[0], "normalise", "conv1_relu")
    neuron = explainer.neuron(found["normalise"], channel=channel, x=x, y=y)
    assert neuron.output("relu") == pytest.approx(float(found["conv1_relu"][y, x, channel]), abs=1e-5)
    if (x, y) == (0, 0):  # "same" padding, stride 1: one row and one column of zeros around the 64x64 input
        assert neuron.window == (-1, -1) and neuron.inside.sum() == 4


def test_lite0_explain_graph_equals_the_ported_keras_network(model_folder, photos):
    from ml_models.networks import lite0

    network = lite0.load_pretrained()
    explainer = Explainer(model_folder)
    names = ["normalise", "stem_relu", "block1_depthwise_relu", "block4_add", "block11_project_bn", "head_relu"]
    expected = _keras_maps(network, names, photos[:1])
    found = explainer.maps(photos[0], *names)
    for name in names:
        scale = np.abs(expected[name][0]).max()
        assert found[name].shape == expected[name][0].shape
        assert np.abs(found[name] - expected[name][0]).max() / scale < 1e-3, name
    assert explainer.architecture["params"] == network.count_params()
