"""The look-inside API on real photos and the pretrained version's own artifacts (ONNX Runtime only)."""
import base64
import io

import numpy as np
import pytest
from PIL import Image

from classifier.services import analyze_image
from eduai import jobs
from eduai.models import Job
from inside.models import OcclusionFlip
from ml_models.core.contract import INPUT_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat_analysis(active_model, student, classroom, cat_photos):
    return analyze_image(content=cat_photos[3].read_bytes(), original_name="gata.jpg", user=student,
                         classroom=classroom)


def url(analysis, tail: str) -> str:
    return f"/api/v1/analyses/{analysis.pk}/{tail}"


def png_base64(array: np.ndarray, *, data_url: bool = False) -> str:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    text = base64.b64encode(buffer.getvalue()).decode()
    return f"data:image/png;base64,{text}" if data_url else text


def decoded(data_url: str) -> Image.Image:
    assert data_url.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))


def test_architecture_lists_lite0_layers_in_order_with_shapes_and_parameters(api, active_model):
    body = api.get(f"/api/v1/models/{active_model.pk}/architecture/").json()
    layers = {layer["name"]: layer for layer in body["layers"]}
    assert body["model"] == {"id": active_model.pk, "name": "lite0-imagenet", "version": 4, "family": "lite0_imagenet"}
    assert layers["stem_conv"] | {"inputs": None} == {
        "name": "stem_conv", "type": "Conv2D", "output_shape": [112, 112, 32], "params": 864, "learned_params": 864,
        "inputs": None, "group": "stem", "feature_maps": True}
    assert (layers["stem_bn"]["params"], layers["stem_bn"]["learned_params"]) == (4 * 32, 2 * 32)  # γ, β learnt
    assert layers["stem_conv"]["inputs"] == ["normalise"]
    assert layers["block15_project_conv"]["output_shape"] == [7, 7, 320]
    assert layers["logits"]["output_shape"] == [1000] and layers["logits"]["params"] == 1280 * 1000 + 1000
    assert sum(layer["params"] for layer in body["layers"]) == body["params"] == 4_694_024
    assert body["learned_params"] == body["params"] - 2 * sum(
        layer["output_shape"][-1] for layer in body["layers"] if layer["type"] == "BatchNormalization")
    assert 4_600_000 < body["params"] < 4_800_000  # EfficientNet-Lite0: 4.7 M parameters
    groups = {group["name"]: group for group in body["groups"]}
    # Lite0's 16 blocks in 7 stages; blocks 5-7 repeat the stage's first block
    assert [groups[f"block{i}"]["repeat"] for i in (5, 6, 7)] == [
        {"of": "block5", "index": 1, "count": 3}, {"of": "block5", "index": 2, "count": 3},
        {"of": "block5", "index": 3, "count": 3}]
    assert len({group["stage"] for group in body["groups"] if group["stage"]}) == 7


def test_architecture_shapes_chain_from_each_layer_to_the_next(api, active_model):
    """Each layer reads earlier layers, and a layer that keeps its input's size (BN, ReLU, Add) has its
    input's shape: the table is the graph's, not a hand-written list."""
    layers = api.get(f"/api/v1/models/{active_model.pk}/architecture/").json()["layers"]
    seen = {}
    for layer in layers:
        assert all(name in seen for name in layer["inputs"]), layer["name"]
        if layer["type"] in ("BatchNormalization", "ReLU", "Add", "Activation", "Dropout", "Rescaling"):
            assert all(seen[name] == layer["output_shape"] for name in layer["inputs"]), layer["name"]
        if layer["type"] == "DepthwiseConv2D":
            (source,) = layer["inputs"]
            assert seen[source][-1] == layer["output_shape"][-1]
        seen[layer["name"]] = layer["output_shape"]


def test_feature_maps_of_a_layer_for_the_students_photo(api, cat_analysis):
    response = api.get(url(cat_analysis, "layers/block4_add/?top=4&channel=39"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["shape"] == [28, 28, 40] and body["type"] == "Add" and len(body["channels"]) == 40
    means = [channel["mean"] for channel in body["channels"]]
    assert [channel["index"] for channel in body["top"]] == sorted(range(40), key=lambda i: -means[i])[:4]
    assert all(decoded(channel["image"]).size == (28, 28) for channel in body["top"])
    assert body["channel"]["index"] == 39 and decoded(body["channel"]["image"]).mode == "L"
    assert set(body["timings_ms"]) == {"inference", "images", "total"}


def test_unknown_layer_and_bad_channel_are_refused_in_the_users_language(api, cat_analysis):
    missing = api.get(url(cat_analysis, "layers/no_such_layer/"), HTTP_ACCEPT_LANGUAGE="es")
    assert missing.status_code == 404 and "no_such_layer" in missing.json()["detail"]
    assert "capa" in missing.json()["detail"]
    bad = api.get(url(cat_analysis, "layers/stem_relu/?channel=32"), HTTP_ACCEPT_LANGUAGE="es")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid" and "31" in bad.json()["detail"]
    assert api.get(url(cat_analysis, "layers/stem_relu/?top=99")).status_code == 400


def test_first_layer_filters_and_their_responses(api, cat_analysis):
    body = api.get(url(cat_analysis, "filters/")).json()
    assert body["layer"] == "stem_conv" and body["stride"] == 2 and body["kernel_size"] == [3, 3]
    assert len(body["filters"]) == 32
    first = body["filters"][0]
    assert decoded(first["image"]).size == (3, 3) and decoded(first["image"]).mode == "RGB"
    assert decoded(first["response"]).size == (112, 112)


@pytest.mark.parametrize("cell", [(0, 0, 0), (5, 40, 17), (31, 111, 111), (12, 0, 111)])
def test_neuron_arithmetic_reproduces_the_stored_activation(api, cat_analysis, cell):
    channel, x, y = cell
    body = api.get(url(cat_analysis, f"neuron/?channel={channel}&x={x}&y={y}")).json()
    products = np.asarray(body["products"])
    assert np.allclose(products, np.asarray(body["patch"]) * np.asarray(body["kernel"]), atol=3e-4)  # both rounded
    assert body["sum"] == pytest.approx(products.sum(), abs=1e-4)
    assert body["pre_activation"] == pytest.approx(body["sum"] + body["bias"], abs=1e-4)
    assert body["output"] == pytest.approx(min(max(body["pre_activation"], 0), 6), abs=1e-4)  # ReLU6
    assert body["output"] == pytest.approx(body["stored"], abs=1e-3)
    # pixels and normalised values are the same numbers: value = pixel * scale + offset
    scale, offset = body["normalisation"]["scale"], body["normalisation"]["offset"]
    inside = [(i, j) for i in range(3) for j in range(3) if body["pixels"][i][j] is not None]
    assert all(np.allclose(np.asarray(body["pixels"][i][j]) * scale + offset, body["patch"][i][j], atol=1e-4)
               for i, j in inside)
    # "same" padding with stride 2 on 224 pixels adds one row (column) of zeros after the last one only
    assert len(inside) == (2 if y == 111 else 3) * (2 if x == 111 else 3)


def test_neuron_outside_the_map_is_a_400(api, cat_analysis):
    response = api.get(url(cat_analysis, "neuron/?channel=0&x=112&y=0"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400 and "112" in response.json()["detail"]
    assert api.get(url(cat_analysis, "neuron/?channel=0&x=-1&y=0")).status_code == 400
    assert api.get(url(cat_analysis, "neuron/?x=1&y=1")).status_code == 400


def test_an_all_white_mask_changes_the_answer_and_counts_for_the_exercise(api, cat_analysis):
    white = np.full((INPUT_SIZE, INPUT_SIZE), 255, np.uint8)
    body = api.post(url(cat_analysis, "occlusion/"), {"mask": png_base64(white), "fill": "grey"}, format="json").json()
    assert body["before"]["label"] == cat_analysis.label == "cat"
    assert body["label"] != "cat" and body["hidden_fraction"] == 1.0 and body["cam_overlap"] == pytest.approx(1.0)
    flip = OcclusionFlip.objects.get(analysis=cat_analysis)
    assert (flip.label_before, flip.label_after, flip.hidden_fraction) == ("cat", body["label"], 1.0)


def test_an_empty_mask_of_the_photos_size_leaves_the_answer_unchanged(api, cat_analysis):
    size = (cat_analysis.image.height, cat_analysis.image.width)
    body = api.post(url(cat_analysis, "occlusion/"), {"mask": png_base64(np.zeros(size, np.uint8), data_url=True)},
                    format="json").json()
    assert body["label"] == cat_analysis.label and body["hidden_fraction"] == 0 and body["cam_overlap"] == 0
    assert body["probabilities"]["cat"] == pytest.approx(cat_analysis.probabilities["cat"], abs=1e-4)
    assert body["probabilities"] == body["before"]["probabilities"]
    assert not OcclusionFlip.objects.exists()


def test_hiding_the_heatmaps_region_counts_as_overlap(api, cat_analysis):
    grid = np.asarray(cat_analysis.explanation["grid"])
    hot = np.kron(grid >= 0.5, np.ones((32, 32))).astype(np.uint8) * 255  # the 7x7 cells, drawn at 224x224
    body = api.post(url(cat_analysis, "occlusion/"), {"mask": png_base64(hot), "fill": "blur"}, format="json").json()
    assert body["cam_overlap"] > body["hidden_fraction"]  # the mask covers more heatmap than photo
    assert body["probabilities"]["cat"] < body["before"]["probabilities"]["cat"]


@pytest.mark.parametrize("mask, words", [
    ("not base64!", "base64"),
    (base64.b64encode(b"GIF89a....").decode(), "PNG"),
    ("data:image/jpeg;base64,/9j/4AAQ", "PNG"),
    (png_base64(np.zeros((100, 100), np.uint8)), "224×224"),
    (base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40).decode(), "PNG"),
    ("A" * (1900 * 1024), "MB"),
])
def test_bad_masks_get_a_400_in_spanish_and_leave_nothing(api, cat_analysis, mask, words):
    response = api.post(url(cat_analysis, "occlusion/"), {"mask": mask}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and words in response.json()["detail"]
    assert not OcclusionFlip.objects.exists()


def test_a_mask_over_the_request_limit_is_refused_before_it_is_read(api, cat_analysis):
    response = api.post(url(cat_analysis, "occlusion/"), {"mask": "A" * (3 * 1024 * 1024)}, format="json")
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_bad_fill_and_missing_mask_are_400(api, cat_analysis):
    assert api.post(url(cat_analysis, "occlusion/"), {"mask": "x", "fill": "red"}, format="json").status_code == 400
    assert api.post(url(cat_analysis, "occlusion/"), {}, format="json").status_code == 400


def test_automatic_occlusion_map_and_its_bounds(api, cat_analysis):
    body = api.post(url(cat_analysis, "occlusion-map/"), {"patch": 56, "stride": 28}, format="json").json()
    assert (body["rows"], body["cols"]) == (7, 7) and np.asarray(body["grid"]).shape == (7, 7)
    assert body["class"] == "cat" and body["baseline"] == pytest.approx(cat_analysis.probabilities["cat"], abs=1e-4)
    assert body["max_drop"] == pytest.approx(np.max(body["grid"])) and body["max_drop"] > 0
    assert -1 <= body["cam_rank_correlation"] <= 1
    too_many = api.post(url(cat_analysis, "occlusion-map/"), {"patch": 16, "stride": 8}, format="json",
                        HTTP_ACCEPT_LANGUAGE="es")
    assert too_many.status_code == 400 and "256" in too_many.json()["detail"]
    assert api.post(url(cat_analysis, "occlusion-map/"), {"patch": 8}, format="json").status_code == 400
    assert api.post(url(cat_analysis, "occlusion-map/"), {"stride": "x"}, format="json").status_code == 400


def test_faithfulness_hides_the_hottest_and_the_coldest_fifth(api, cat_analysis):
    body = api.get(url(cat_analysis, "faithfulness/")).json()
    assert body["fraction"] == 0.2 and body["class"] == "cat" and body["fill"] == "mean"
    assert body["baseline"] == pytest.approx(cat_analysis.probabilities["cat"], abs=1e-4)
    for part in ("hot", "cold"):
        assert body[part]["drop"] == pytest.approx(body["baseline"] - body[part]["probability"], abs=2e-4)
    assert body["faithful"] == (body["hot"]["drop"] > body["cold"]["drop"])
    assert body["faithful"]  # on this clear cat photo the map points at the cat
    assert api.get(url(cat_analysis, "faithfulness/?fill=paint")).status_code == 400


def test_sanity_check_correlations_fall_as_more_layers_are_randomised(api, cat_analysis):
    response = api.post(url(cat_analysis, "sanity-check/"))
    assert response.status_code == 202 and response.json()["kind"] == "sanity_check"
    job = jobs.execute(response.json()["id"], worker="test-worker")
    assert job.status == Job.Status.SUCCEEDED, job.error
    steps = job.result["steps"]
    assert steps[0]["randomised"] == [] and steps[0]["cam_rank_correlation"] == 1.0
    assert steps[1]["randomised"] == ["logits"] and steps[2]["randomised"] == ["head_conv"]
    correlations = [step["cam_rank_correlation"] for step in steps]
    assert correlations[1] < 0.9 and max(abs(value) for value in correlations[3:]) < correlations[1]
    assert all(np.asarray(step["cam"]).shape == (7, 7) and np.asarray(step["occlusion"]).shape == (4, 4)
               for step in steps)
    assert api.get(f"/api/v1/jobs/{job.pk}/").json()["result"]["steps"][1]["cam_rank_correlation"] == correlations[1]


def test_nobody_else_sees_inside_your_analysis(cat_analysis, make_user):
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_authenticate(make_user("otro"))
    for method, tail in [("get", "layers/stem_relu/"), ("get", "filters/"), ("get", "neuron/?channel=0&x=0&y=0"),
                         ("post", "occlusion/"), ("post", "occlusion-map/"), ("get", "faithfulness/"),
                         ("post", "sanity-check/")]:
        response = getattr(other, method)(url(cat_analysis, tail), format="json")
        assert response.status_code == 404, tail
    assert not Job.objects.filter(kind=Job.Kind.SANITY_CHECK).exists()
    assert APIClient().get(url(cat_analysis, "filters/")).status_code in (401, 403)


def test_a_version_of_another_class_has_no_visible_architecture(api, active_model, teacher):
    from eduai import classes
    from ml_models.models import ModelVersion

    elsewhere = classes.create_class(name="Otra", teacher=teacher)
    hidden = ModelVersion.objects.create(name="theirs", version=1, kind=active_model.kind, classroom=elsewhere,
                                         artifact_dir=active_model.artifact_dir, sha256="x", signature={}, metrics={})
    assert api.get(f"/api/v1/models/{hidden.pk}/architecture/").status_code == 404
    assert api.get("/api/v1/models/999999/architecture/").status_code == 404


def test_a_version_without_explain_artifacts_says_so(api, cat_analysis, settings, tmp_path):
    import shutil

    from ml_models.models import ModelVersion

    old = tmp_path / "old"
    shutil.copytree(settings.MODELS_DIR / cat_analysis.model_version.artifact_dir, old)
    (old / "explain.onnx").unlink()
    settings.MODELS_DIR = tmp_path
    ModelVersion.objects.filter(pk=cat_analysis.model_version_id).update(artifact_dir="old")
    from inside import services

    services._explainers.clear()
    response = api.get(url(cat_analysis, "filters/"), HTTP_ACCEPT_LANGUAGE="es")
    services._explainers.clear()
    assert response.status_code == 409 and response.json()["code"] == "no_explain_graph"


def test_an_analysis_stored_without_its_heatmaps_numbers_is_a_409_not_a_500(api, cat_analysis):
    from classifier.models import Analysis

    Analysis.objects.filter(pk=cat_analysis.pk).update(explanation={"method": "CAM", "grid": [[0.0]]})
    for method, tail in [("get", "faithfulness/"), ("post", "occlusion-map/")]:
        response = getattr(api, method)(url(cat_analysis, tail), format="json")
        assert response.status_code == 409 and response.json()["code"] == "no_explain_graph", tail
    white = png_base64(np.full((INPUT_SIZE, INPUT_SIZE), 255, np.uint8))
    assert api.post(url(cat_analysis, "occlusion/"), {"mask": white}, format="json").status_code == 409
    assert not OcclusionFlip.objects.exists()


def test_inside_page_shows_your_analysis_and_refuses_others(client, cat_analysis, student, make_user):
    client.force_login(student)
    page = client.get("/inside/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("architecture", "filters", "neuron", "occlusion", "sanity-check"):
        assert f'data-widget="{name}"' in html
    assert f"/api/v1/models/{cat_analysis.model_version_id}/architecture/" in html
    assert client.get(f"/inside/?analysis={cat_analysis.pk}").status_code == 200
    client.force_login(make_user("otro"))
    assert client.get(f"/inside/?analysis={cat_analysis.pk}").status_code == 404
    assert "data-widget" not in client.get("/inside/").content.decode()


def test_widget_data_is_the_readers_latest_analysis_in_the_class(api, student, classroom, cat_analysis, make_user,
                                                                 join):
    body = api.get(f"/api/v1/classes/{classroom.pk}/widgets/feature-maps/?layer=block4_add").json()
    assert body["analysis"]["id"] == cat_analysis.pk and body["api"] == f"/api/v1/analyses/{cat_analysis.pk}/"
    classmate = make_user("luis")
    join(classmate, classroom)
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_authenticate(classmate)
    assert "empty" in other.get(f"/api/v1/classes/{classroom.pk}/widgets/architecture/").json()
    assert other.get(f"/api/v1/classes/{classroom.pk}/widgets/architecture/?analysis={cat_analysis.pk}").status_code == 404
    assert api.get(f"/api/v1/classes/{classroom.pk}/widgets/feature-maps/?layer=bad%20name").status_code == 400
