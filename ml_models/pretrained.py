"""Prepare the pretrained EfficientNet-Lite0 artifacts: port, verify, export, check parity (TensorFlow)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from ml_models import imagenet
from ml_models.artifacts import HEAD_FILE, ONNX_FILE, ArtifactError, Manifest, save_classifier_head, sha256_of
from ml_models.preprocess import to_model_input

NAME = "lite0-imagenet"
VERSION = 1
KIND = "imagenet_zero_shot"
CUP_LIKE_CLASSES = {967, 968, 504, 925, 809, 438}  # espresso, cup, coffee mug, consomme, soup bowl, beaker


class PortCheckFailed(RuntimeError):
    """The ported network does not recognise known pictures: the weights were mapped wrongly."""


def artifact_dir(models_dir: Path) -> Path:
    return models_dir / NAME / str(VERSION)


def reference_images() -> dict[str, np.ndarray]:
    """Known pictures shipped by scikit-image, as model inputs (224x224 uint8)."""
    import skimage.data

    pictures = {"chelsea": skimage.data.chelsea(), "coffee": skimage.data.coffee(), "astronaut": skimage.data.astronaut()}
    return {name: to_model_input(Image.fromarray(array), (224, 224)) for name, array in pictures.items()}


def verify_port(model) -> dict:
    """Chelsea must be a cat class and coffee a cup-like class; returns what each came out as."""
    images = reference_images()
    probabilities = model.predict(np.stack([images["chelsea"], images["coffee"]]), verbose=0)["probabilities"]
    chelsea, coffee = (int(p.argmax()) for p in probabilities)
    if chelsea not in imagenet.CAT_CLASSES:
        raise PortCheckFailed(f"chelsea came out as class {chelsea}, not a cat")
    if coffee not in CUP_LIKE_CLASSES:
        raise PortCheckFailed(f"coffee came out as class {coffee}, not a cup")
    return {"chelsea_top1": imagenet.english_name(chelsea), "coffee_top1": imagenet.english_name(coffee)}


def signature() -> dict:
    return {
        "input": {
            "name": "image",
            "dtype": "uint8",
            "shape": [None, 224, 224, 3],
            "layout": "NHWC, RGB",
            "resize": "whole image squashed to 224x224, bilinear (no crop)",
            "normalisation": "(x - 127) / 128, inside the graph",
        },
        "outputs": {
            "probabilities": {"shape": [None, 1000], "meaning": "ImageNet-1k softmax"},
            "embedding": {"shape": [None, 1280], "meaning": "global average pool of the last feature maps"},
            "feature_maps": {"shape": [None, 7, 7, 1280], "meaning": "last convolutional feature maps (after ReLU6)"},
        },
        "class_names": "ImageNet-1k (ml_models/data/imagenet_labels.json)",
        "classifier_head": f"{HEAD_FILE}: kernel (1280, 1000) and bias, for Class Activation Maps",
    }


def prepare(models_dir: Path, *, parity_images: np.ndarray | None = None, log=print) -> Manifest:
    """Build the artifacts once; later calls only verify them (idempotent)."""
    folder = artifact_dir(models_dir)
    try:
        manifest = Manifest.read(folder)
        manifest.verify(folder)
        log(f"{NAME} v{VERSION}: artifacts present and verified in {folder}")
        return manifest
    except ArtifactError:
        pass

    from ml_models import lite0
    from ml_models.export import check_parity, export_onnx

    log(f"{NAME} v{VERSION}: porting EfficientNet-Lite0 from {lite0.checkpoint_path().name}")
    model = lite0.load_pretrained()
    port_check = verify_port(model)
    log(f"port verified: chelsea -> {port_check['chelsea_top1']}, coffee -> {port_check['coffee_top1']}")

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder.parent))
    try:
        export_onnx(model, staging / ONNX_FILE)
        kernel, bias = model.get_layer(lite0.LOGITS_LAYER).get_weights()
        save_classifier_head(staging / HEAD_FILE, kernel, bias)
        images = np.stack(list(reference_images().values()))
        if parity_images is not None and len(parity_images):
            images = np.concatenate([images, parity_images])
        parity = check_parity(model, staging / ONNX_FILE, images)
        log(f"parity on {parity.images} images: max |p_keras - p_onnx| = {parity.max_probability_diff:.2e}, "
            f"top-1 agreement {parity.top1_agreement:.0%}")
        if not parity.passed:
            raise ArtifactError(f"ONNX export failed its parity check: {parity.as_dict()}")
        manifest = Manifest(
            name=NAME,
            version=VERSION,
            kind=KIND,
            files={name: sha256_of(staging / name) for name in (ONNX_FILE, HEAD_FILE)},
            signature=signature(),
            metrics={"port_check": port_check, "parity": parity.as_dict()},
        )
        manifest.write(staging)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"{NAME} v{VERSION}: artifacts written to {folder}")
    return manifest
