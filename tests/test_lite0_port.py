"""ml_models/networks: the Lite0 port recognises known pictures; its served graph (with class maps)
agrees with Keras in ONNX Runtime."""
import numpy as np
import pytest
from PIL import Image

from ml_models.core import imagenet
from ml_models.core.artifacts import ONNX_FILE
from ml_models.core.preprocess import to_model_input
from ml_models.networks import pretrained

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module")
def keras_model():
    from ml_models.networks import lite0

    return lite0.load_pretrained()


def top1(model, images: np.ndarray) -> list[int]:
    return [int(p.argmax()) for p in model.predict(images, verbose=0)["probabilities"]]


def test_chelsea_is_a_cat_and_coffee_a_cup(keras_model):
    reference = pretrained.reference_images()
    chelsea, coffee = top1(keras_model, np.stack([reference["chelsea"], reference["coffee"]]))
    assert chelsea in imagenet.CAT_CLASSES
    assert coffee in pretrained.CUP_LIKE_CLASSES


def test_port_check_catches_wrongly_mapped_weights(keras_model):
    from ml_models.networks import lite0

    broken = lite0.build_model()
    broken.set_weights(keras_model.get_weights())
    kernel = broken.get_layer("stem_conv").get_weights()[0]
    broken.get_layer("stem_conv").set_weights([kernel[:, :, ::-1, :]])  # BGR instead of RGB
    layer = broken.get_layer("head_conv")
    layer.set_weights([np.random.RandomState(0).permutation(layer.get_weights()[0].reshape(-1)).reshape(layer.get_weights()[0].shape)])
    with pytest.raises(pretrained.PortCheckFailed):
        pretrained.verify_port(broken)


def test_outputs_have_the_documented_shapes_and_the_class_maps_add_up_to_the_logits(keras_model):
    from ml_models.networks.serving import pretrained_serving_model

    served = pretrained_serving_model(keras_model)
    outputs = served.predict(np.random.RandomState(0).randint(0, 255, (2, 224, 224, 3)).astype(np.uint8), verbose=0)
    assert outputs["probabilities"].shape == (2, 1000)
    assert outputs["embedding"].shape == (2, 1280)
    assert outputs["feature_maps"].shape == (2, 7, 7, 1280)
    assert outputs["class_maps"].shape == (2, 7, 7, 1000)
    np.testing.assert_allclose(outputs["probabilities"].sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(outputs["feature_maps"].mean((1, 2)), outputs["embedding"], atol=1e-5)
    # CAM: a class's map averaged over the cells, plus the bias, is its logit (what the docs teach)
    _kernel, bias = keras_model.get_layer("logits").get_weights()
    logits = outputs["class_maps"].mean((1, 2)) + bias
    softmax = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(softmax / softmax.sum(1, keepdims=True), outputs["probabilities"], atol=1e-5)


def test_the_served_graph_matches_keras_on_real_photos(keras_model, model_folder, cat_photos, dog_photos):
    from ml_models.networks.export import check_parity
    from ml_models.networks.serving import pretrained_serving_model

    photos = cat_photos + dog_photos
    assert len(photos) >= 20
    images = np.stack([to_model_input(Image.open(path), (224, 224)) for path in photos])
    report = check_parity(pretrained_serving_model(keras_model), model_folder / ONNX_FILE, images)
    assert report.images == len(photos)
    assert report.max_probability_diff < 1e-4
    assert report.top1_agreement == 1.0
    assert report.passed
