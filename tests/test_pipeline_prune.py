"""training/pipeline/prune.py: tfmot pruning reaches its target, keeps accuracy, and pays off compressed.

The tiny model and task defined here are shared with test_pipeline_quantize.py.
"""
import numpy as np
import pytest

pytestmark = pytest.mark.tensorflow

IMAGE_SIZE = 32


def make_task(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """uint8 noise images (count, 32, 32, 3): class 0 has a bright left half, class 1 a bright right half."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, count)
    images = rng.integers(0, 96, (count, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    half = IMAGE_SIZE // 2
    images[labels == 0, :, :half] += 128
    images[labels == 1, :, half:] += 128
    return images, labels


def build_tiny_model():
    """The serving contract in miniature: uint8 in, cast and rescale inside, three named outputs."""
    import tensorflow as tf
    import tf_keras as keras

    def conv_bn_relu(x, layer, name):
        x = layer(x)
        # momentum 0.9 instead of 0.99: the moving statistics must settle within a few dozen steps
        x = keras.layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
        return keras.layers.ReLU(name=f"{name}_relu")(x)

    images = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), dtype="uint8", name="image")
    x = keras.layers.Rescaling(1.0 / 255, name="normalise")(tf.cast(images, tf.float32))
    x = conv_bn_relu(x, keras.layers.Conv2D(16, 3, 2, padding="same", use_bias=False, name="conv1"), "conv1")
    x = conv_bn_relu(x, keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False, name="dw"), "dw")
    x = conv_bn_relu(x, keras.layers.Conv2D(64, 3, 2, padding="same", use_bias=False, name="conv2"), "conv2")
    feature_maps = keras.layers.Activation("linear", name="feature_maps")(x)
    embedding = keras.layers.GlobalAveragePooling2D(name="embedding")(feature_maps)
    logits = keras.layers.Dense(2, name="logits")(embedding)
    probabilities = keras.layers.Softmax(name="probabilities")(logits)
    outputs = {"probabilities": probabilities, "embedding": embedding, "feature_maps": feature_maps}
    return keras.Model(images, outputs)


def train_tiny_model(images: np.ndarray, labels: np.ndarray):
    import tf_keras as keras

    keras.utils.set_random_seed(0)
    model = build_tiny_model()
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss={"probabilities": "sparse_categorical_crossentropy"})
    model.fit(images, {"probabilities": labels}, batch_size=32, epochs=4, verbose=0)
    return model


def accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(model.predict(images, verbose=0)["probabilities"].argmax(1) == labels))


def batched(images: np.ndarray, labels: np.ndarray):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(32)


@pytest.fixture(scope="module")
def task():
    return make_task(200, seed=0), make_task(100, seed=1)


@pytest.fixture(scope="module")
def model(task):
    (train_images, train_labels), (test_images, test_labels) = task
    model = train_tiny_model(train_images, train_labels)
    assert accuracy(model, test_images, test_labels) >= 0.95, "the tiny model must learn before it is pruned"
    return model


@pytest.fixture(scope="module", params=[0.5, 0.8], ids=["sparsity50", "sparsity80"])
def pruned(request, model, task):
    from training.pipeline.prune import PruningConfig, prune_and_finetune

    (train_images, train_labels), (test_images, test_labels) = task
    config = PruningConfig(target_sparsity=request.param, frequency=5)
    return prune_and_finetune(
        model, config, batched(train_images, train_labels), batched(test_images, test_labels),
        epochs=6, learning_rate=1e-3,
    )


def test_pruning_reaches_the_target_sparsity_in_every_prunable_layer(pruned):
    from training.pipeline.prune import measured_sparsity

    stripped, report = pruned
    target = report["target_sparsity"]
    assert report["measured_sparsity"] == pytest.approx(target, abs=0.05)
    assert measured_sparsity(stripped)["overall"] == report["measured_sparsity"]
    assert set(report["layer_sparsity"]) == {"conv1", "conv2", "logits"}
    for name, sparsity in report["layer_sparsity"].items():
        assert sparsity == pytest.approx(target, abs=0.05), name


def test_pruned_model_keeps_its_accuracy_on_the_easy_task(pruned, task):
    stripped, report = pruned
    _, (test_images, test_labels) = task
    assert accuracy(stripped, test_images, test_labels) >= 0.9
    assert report["history"]["val_probabilities_accuracy"][-1] >= 0.9


def test_pruning_leaves_the_original_model_and_the_depthwise_kernel_alone(pruned, model):
    from training.pipeline.prune import measured_sparsity

    stripped, _ = pruned
    assert measured_sparsity(model)["overall"] == 0.0
    assert np.count_nonzero(stripped.get_layer("dw").depthwise_kernel.numpy() == 0) == 0


def test_strip_removes_every_pruning_wrapper(model):
    import tf_keras as keras

    from training.pipeline.prune import PruningConfig, make_prunable, strip

    prunable = make_prunable(model, PruningConfig(), steps=100)
    wrapped = [layer.layer.name for layer in prunable.layers if isinstance(layer, keras.layers.Wrapper)]
    assert sorted(wrapped) == ["conv1", "conv2", "logits"]
    stripped = strip(prunable)
    assert not any(isinstance(layer, keras.layers.Wrapper) for layer in stripped.layers)
    assert "PruneLowMagnitude" not in {type(layer).__name__ for layer in stripped.layers}
    assert [type(layer) for layer in stripped.layers] == [type(layer) for layer in model.layers]


def test_pruned_file_is_smaller_only_once_compressed(pruned, model, tmp_path):
    import tf_keras as keras

    from training.pipeline.prune import compressed_size

    stripped, _ = pruned
    dense = keras.models.clone_model(model)  # uncompiled like the stripped model: no optimizer state saved
    dense.set_weights(model.get_weights())
    dense_path, pruned_path = tmp_path / "dense.keras", tmp_path / "pruned.keras"
    dense.save(dense_path)
    stripped.save(pruned_path)
    assert pruned_path.stat().st_size == pytest.approx(dense_path.stat().st_size, rel=0.05)
    assert compressed_size(pruned_path) < 0.9 * compressed_size(dense_path)
    assert compressed_size(pruned_path.read_bytes()) == compressed_size(str(pruned_path))


def test_constant_schedule_prunes_to_the_target_from_the_first_update(model, task):
    from training.pipeline.prune import PruningConfig, make_prunable, measured_sparsity, pruning_callbacks

    (train_images, train_labels), _ = task
    config = PruningConfig(target_sparsity=0.7, schedule="constant", frequency=1)
    prunable = make_prunable(model, config, steps=7)
    prunable.compile(optimizer="sgd", loss={"probabilities": "sparse_categorical_crossentropy"})
    prunable.fit(train_images, {"probabilities": train_labels}, batch_size=32, epochs=1, verbose=0,
                 callbacks=pruning_callbacks())
    assert measured_sparsity(prunable)["overall"] == pytest.approx(0.7, abs=0.01)


def test_schedule_ends_on_a_mask_update_two_thirds_into_training():
    from training.pipeline.prune import PruningConfig, end_step_for

    assert end_step_for(PruningConfig(frequency=10), steps=70) == 40
    assert end_step_for(PruningConfig(begin_step=3, frequency=5), steps=30) == 18
    assert end_step_for(PruningConfig(end_step=25), steps=30) == 25


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target_sparsity": 0.0}, "target_sparsity"),
        ({"target_sparsity": 0.96}, "target_sparsity"),
        ({"target_sparsity": -0.5}, "target_sparsity"),
        ({"begin_step": -1}, "begin_step"),
        ({"begin_step": 10, "end_step": 10}, "end_step"),
        ({"frequency": 0}, "frequency"),
        ({"schedule": "cubic"}, "schedule"),
    ],
)
def test_invalid_config_raises_a_clear_error(fields, message):
    from training.pipeline.prune import PruningConfig

    with pytest.raises(ValueError, match=message):
        PruningConfig(**fields).validate()


def test_valid_config_passes_validation():
    from training.pipeline.prune import PruningConfig

    config = PruningConfig(target_sparsity=0.95, begin_step=5, end_step=50, frequency=1, schedule="constant")
    assert config.validate() is config


@pytest.mark.parametrize(("fields", "steps"), [({"end_step": 100}, 50), ({"frequency": 100}, 60)])
def test_schedule_that_does_not_fit_the_training_is_refused(model, fields, steps):
    from training.pipeline.prune import PruningConfig, make_prunable

    with pytest.raises(ValueError, match="does not fit"):
        make_prunable(model, PruningConfig(**fields), steps=steps)


def test_invalid_config_is_refused_before_any_cloning(model):
    from training.pipeline.prune import PruningConfig, make_prunable

    with pytest.raises(ValueError, match="target_sparsity"):
        make_prunable(model, PruningConfig(target_sparsity=1.0), steps=100)
