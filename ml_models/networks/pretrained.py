"""Prepare the pretrained EfficientNet-Lite0 version: port, verify, export, check parity (TensorFlow)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from ml_models.core import contract, explain, imagenet, int8
from ml_models.core.artifacts import ONNX_FILE, ONNX_INT8_FILE, ArtifactError, Manifest, sha256_of
from ml_models.core.preprocess import to_model_input

NAME = "lite0-imagenet"
# 4: with the served graph quantized to INT8 (served_int8.onnx, for the browser); 3: with the explain graph
# and layer table (look-inside views); 2: the model contract (class maps in the graph, signature schema 2);
# 1 had a separate CAM head
VERSION = 4
KIND = "imagenet_zero_shot"
CUP_LIKE_CLASSES = {967, 968, 504, 925, 809, 438}  # espresso, cup, coffee mug, consomme, soup bowl, beaker
# Measured by `make bench` (bench/analyze.py, docs/benchmarks.md): the threshold that maximises
# balanced accuracy on the calibration split of the shared photos; the held-out split reports it.
UNUSUAL_CALIBRATION = {
    "threshold": 0.932,
    "method": "maximum balanced accuracy (cats and dogs against pictures that are neither)",
    "split": "shared datasets, files whose sha256 starts with 0-7: 1,018 cats and dogs, 152 not-cat-dog "
             "ImageNet photos (optimistic: the network was trained on ImageNet)",
    "held_out": "files whose sha256 starts with 8-f: 0.3 % of cats and dogs flagged, 99.3 % of the others caught",
    "date": "2026-11-28",
}


class PortCheckFailed(RuntimeError):
    """The ported network does not recognise known pictures: the weights were mapped wrongly."""


def artifact_dir(models_dir: Path) -> Path:
    return models_dir / NAME / str(VERSION)


def reference_images() -> dict[str, np.ndarray]:
    """Known pictures shipped by scikit-image, as model inputs (224x224 uint8)."""
    import skimage.data

    pictures = {"chelsea": skimage.data.chelsea(), "coffee": skimage.data.coffee(), "astronaut": skimage.data.astronaut()}
    size = (contract.INPUT_SIZE, contract.INPUT_SIZE)
    return {name: to_model_input(Image.fromarray(array), size) for name, array in pictures.items()}


def calibration_pictures() -> tuple[np.ndarray, str]:
    """INT8 calibration images when the shared photos are not there: every picture scikit-image ships
    (colour and greyscale, as model inputs), and those words for the manifest."""
    import skimage.data

    names = ("chelsea", "coffee", "astronaut", "rocket", "immunohistochemistry", "hubble_deep_field", "retina",
             "colorwheel", "camera", "moon", "brick", "grass", "gravel", "coins", "clock", "page", "text")
    size = (contract.INPUT_SIZE, contract.INPUT_SIZE)
    images = np.stack([to_model_input(Image.fromarray(getattr(skimage.data, name)()), size) for name in names])
    return images, (f"the {len(names)} pictures scikit-image ships ({', '.join(names)}): the shared photos "
                    "were not found")


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
    threshold = UNUSUAL_CALIBRATION["threshold"]
    calibration = {key: value for key, value in UNUSUAL_CALIBRATION.items() if key != "threshold"}
    return contract.pretrained_signature(
        family="lite0_imagenet", feature_maps=(7, 7, 1280), embedding=1280,
        unusual=contract.unusual_rule(output="probabilities", threshold=threshold, calibration=calibration))


def default_unusual_rule() -> dict:
    """The pretrained version's unusual rule: what a trained version keeps when its class has too few
    pictures that are neither cats nor dogs to calibrate its own threshold."""
    return {**signature()["decision"]["unusual"], "output": "imagenet_probabilities"}


def prepare(models_dir: Path, *, parity_images: np.ndarray | None = None,
            calibration: tuple[np.ndarray, str] | None = None, log=print) -> Manifest:
    """Build the artifacts once; later calls only verify them (idempotent).

    `calibration` is (uint8 images, which photos in words) for the INT8 graph's ranges; without it the
    scikit-image pictures calibrate. The INT8 answers are compared with FP32 on the parity images.
    """
    folder = artifact_dir(models_dir)
    try:
        manifest = Manifest.read(folder)
        manifest.verify(folder)
        contract.validate(manifest.signature)
        log(f"{NAME} v{VERSION}: artifacts present and verified in {folder}")
        return manifest
    except (ArtifactError, contract.SignatureError):
        pass

    from ml_models.networks import lite0
    from ml_models.networks.explain import export_explain
    from ml_models.networks.export import check_parity, export_onnx
    from ml_models.networks.serving import pretrained_serving_model

    log(f"{NAME} v{VERSION}: porting EfficientNet-Lite0 from {lite0.checkpoint_path().name}")
    network = lite0.load_pretrained()
    port_check = verify_port(network)
    log(f"port verified: chelsea -> {port_check['chelsea_top1']}, coffee -> {port_check['coffee_top1']}")
    model = pretrained_serving_model(network)

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder.parent))
    try:
        export_onnx(model, staging / ONNX_FILE)
        images = np.stack(list(reference_images().values()))
        if parity_images is not None and len(parity_images):
            images = np.concatenate([images, parity_images])
        parity = check_parity(model, staging / ONNX_FILE, images)
        log(f"parity on {parity.images} images: max |p_keras - p_onnx| = {parity.max_probability_diff:.2e}, "
            f"top-1 agreement {parity.top1_agreement:.0%}")
        if not parity.passed:
            raise ArtifactError(f"ONNX export failed its parity check: {parity.as_dict()}")
        explain_parity = export_explain(network, staging, family="lite0_imagenet", images=images)
        log(f"explain graph: {explain_parity['layers']} layers, max relative difference to Keras "
            f"{explain_parity['max_relative_diff']:.1e}")
        calibration_images, calibration_source = calibration if calibration is not None else calibration_pictures()
        quantized = int8.quantize_served(staging, signature(), calibration_images=calibration_images,
                                         calibration_source=calibration_source, parity_images=images)
        log(f"INT8 graph: {quantized['size_bytes'] / 1e6:.1f} MB (FP32 {quantized['fp32_size_bytes'] / 1e6:.1f} MB), "
            f"calibrated on {len(calibration_images)} images in {quantized['quantize_s']:.1f} s; same answer as FP32 "
            f"on {quantized['parity']['label_agreement']:.0%} of {quantized['parity']['images']} images")
        manifest = Manifest(
            name=NAME,
            version=VERSION,
            kind=KIND,
            files={name: sha256_of(staging / name) for name in (ONNX_FILE, ONNX_INT8_FILE, *explain.FILES)},
            signature=signature(),
            metrics={"port_check": port_check, "parity": parity.as_dict(), "explain_parity": explain_parity,
                     "int8": quantized},
        )
        manifest.write(staging)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"{NAME} v{VERSION}: artifacts written to {folder}")
    return manifest
