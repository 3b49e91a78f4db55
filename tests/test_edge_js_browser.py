"""In Debian's Chromium, the browser's half of the edge model: static/js/lib/answer.js gives every answer of the
shared fixture (tests/fixtures/answer_cases.json) and the heatmap pixels cam.heatmap_png makes; pixels.js
resizes exactly like Pillow and decodes real photos (EXIF orientation, transparency over white) like the
server; bad files are refused with their codes; edge.js runs the pretrained version with onnxruntime-web from
our static files and gives the server's P(cat). The page is a bare one served at the live server's origin
(Playwright answers its URL), with or without the cross-origin isolation headers, importing the modules from
/static/. Measured differences are printed (pytest -s)."""
import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from tests import make_answer_fixture as fixture
from tests.test_answer_fixture import CASES, assert_same

pytestmark = pytest.mark.browser

ISOLATION = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp"}
PAGE = """<!doctype html><html lang="es"><head><meta charset="utf-8"><title>edge js</title>
<script src="/static/vendor/onnxruntime-web/ort.wasm.min.js"></script></head><body>
<script type="module">
import * as answer from "/static/js/lib/answer.js";
import * as pixels from "/static/js/lib/pixels.js";
import * as edge from "/static/js/lib/edge.js";
window.libs = { answer, pixels, edge };
window.bytesOf = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
window.b64Of = (bytes) => { let s = ""; for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192)); return btoa(s); };
window.libsReady = true;
</script></body></html>"""

# the fixture's outputs as answer.js takes them, and its answer as JSON (typed arrays as lists)
ANSWER_CASES = """async (cases) => {
  const tables = await (await fetch("/edge/answer-data.json")).json();
  const decode = (entry) => {
    const size = entry.dims.reduce((a, b) => a * b, 1);
    if (!entry.channels) return { dims: entry.dims, data: Float32Array.from(entry.data) };
    const data = new Float32Array(size);
    const k = entry.dims[entry.dims.length - 1];
    const cells = size / k;
    for (let cell = 0; cell < cells; cell += 1) {
      entry.channels.forEach((c, i) => { data[cell * k + c] = entry.data[cell * entry.channels.length + i]; });
    }
    return { dims: entry.dims, data };
  };
  return cases.map((c) => {
    const outputs = Object.fromEntries(Object.entries(c.outputs).map(([name, entry]) => [name, decode(entry)]));
    const a = libs.answer.answer(outputs, c.signature, tables);
    const grid = (g) => ({ height: g.height, width: g.width, data: [...g.data] });
    return { label: a.label, probabilities: a.probabilities, unusual_score: a.unusual_score,
      unusual_threshold: a.unusual_threshold, tags: a.tags, tags_agree: a.tags_agree, evidence: grid(a.evidence),
      cam: grid(a.cam), explained: a.explained, against: a.against };
  });
}"""


@pytest.fixture
def js_page(live_server, browser_page):
    """open(isolated=True): the bare page at the live server's origin, the modules imported."""
    page = browser_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def open_page(isolated: bool = True):
        path = "/__edge-js-test__/" + ("isolated" if isolated else "plain")
        page.route(f"{live_server.url}{path}", lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=PAGE, headers=ISOLATION if isolated else {}))
        page.goto(f"{live_server.url}{path}")
        page.wait_for_function("window.libsReady === true", timeout=20_000)
        return page

    yield open_page
    assert not errors, errors


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_answer_js_gives_every_answer_of_the_shared_fixture(js_page):
    page = js_page()
    results = page.evaluate(ANSWER_CASES, CASES)
    for case, got in zip(CASES, results):
        want = case["expected"]
        assert got["label"] == want["label"], case["name"]
        assert [(t["kind"], t["tag"]) for t in got["tags"]] == [(t["kind"], t["tag"]) for t in want["tags"]], case["name"]
        # JSON turns a float that is an integer into an int: compare numbers as numbers
        assert_same(json.loads(json.dumps(got), parse_int=float), json.loads(json.dumps(want), parse_int=float),
                    tolerance=1e-6, where=case["name"])
    worst = max(abs(a - b) for case, got in zip(CASES, results)
                for a, b in zip(got["evidence"]["data"], case["expected"]["evidence"]["data"]))
    print(f"\nanswer.js vs answer.py on {len(CASES)} cases: labels and tags equal, largest evidence difference {worst:.2e}")


def test_the_heatmap_pixels_are_those_of_heatmap_png(js_page):
    from ml_models.core.answer import answer
    from ml_models.core.cam import heatmap_png

    page = js_page()
    sizes = [(500, 375), (333, 500), (1200, 80), (100, 100)]
    worst = 0
    for case in CASES[:3]:
        grid = answer(fixture.outputs_of(case), case["signature"]).cam
        for width, height in sizes:
            want = np.asarray(Image.open(io.BytesIO(heatmap_png(grid, (width, height)))).convert("RGBA"))
            got = page.evaluate("""async ([cam, width, height]) => {
              const tables = await (await fetch("/edge/answer-data.json")).json();
              const pixels = libs.answer.overlayPixels({ ...cam, data: Float32Array.from(cam.data), style: tables.cam },
                                                        { width, height });
              const canvas = document.createElement("canvas");
              const drawn = libs.answer.drawOverlay(canvas, { ...cam, data: Float32Array.from(cam.data), style: tables.cam },
                                                    { width, height });
              return { width: pixels.width, height: pixels.height, rgba: b64Of(new Uint8Array(pixels.rgba.buffer)),
                       canvas: [canvas.width, canvas.height, drawn.width, drawn.height] };
            }""", [{"height": int(grid.shape[0]), "width": int(grid.shape[1]), "data": grid.ravel().tolist()}, width, height])
            assert (got["height"], got["width"]) == want.shape[:2]
            assert got["canvas"] == [got["width"], got["height"]] * 2
            rgba = np.frombuffer(base64.b64decode(got["rgba"]), dtype=np.uint8).reshape(want.shape)
            worst = max(worst, int(np.abs(rgba.astype(int) - want.astype(int)).max()))
    print(f"\nheatmap overlay vs heatmap_png: largest channel difference {worst}")
    assert worst <= 1


def _photos(datasets_dir):
    return [*sorted((datasets_dir / "catsdogs" / "cat").glob("*.jpg"))[:3],
            *sorted((datasets_dir / "catsdogs" / "dog").glob("*.jpg"))[:2],
            *sorted((datasets_dir / "not-catdog").glob("*.JPEG"))[:2]]


def _special_files(photo) -> dict[str, bytes]:
    """A real photo stored rotated with an EXIF orientation of 6 (shown turned 90°) and a PNG with transparency."""
    with Image.open(photo) as image:
        rgb = image.convert("RGB")
    rotated = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    rgb.transpose(Image.Transpose.ROTATE_90).save(rotated, format="JPEG", quality=90, exif=exif)
    rgba = rgb.convert("RGBA")
    alpha = np.tile(np.linspace(0, 255, rgba.width).astype(np.uint8), (rgba.height, 1))
    rgba.putalpha(Image.fromarray(alpha))
    transparent = io.BytesIO()
    rgba.save(transparent, format="PNG")
    return {"exif-rotated.jpg": rotated.getvalue(), "transparent.png": transparent.getvalue()}


DECODE_AND_RESIZE = """async ([file, rgba, width, height]) => {
  const { pixels } = libs;
  const resized = rgba ? pixels.resizeLikePillow(bytesOf(rgba), width, height, 224, 224) : null;
  const photo = await pixels.decodePhoto(new Blob([bytesOf(file)]));
  return { resized: resized && b64Of(resized), width: photo.width, height: photo.height,
           decoded: b64Of(new Uint8Array(photo.rgba.buffer)), input: b64Of(pixels.toModelInput(photo)) };
}"""


def test_pixels_js_resizes_like_pillow_and_decodes_real_photos_like_the_server(js_page, datasets_dir):
    from classifier.images import read_image
    from ml_models.core.preprocess import to_model_input

    page = js_page()
    files = {path.name: path.read_bytes() for path in _photos(datasets_dir)}
    files.update(_special_files(_photos(datasets_dir)[0]))
    report = []
    for name, content in files.items():
        server = read_image(content, max_bytes=10**8, max_pixels=10**8).rgb  # as the analyze service reads it
        expected = to_model_input(server, (224, 224))
        rgba = np.asarray(server.convert("RGBA"))
        got = page.evaluate(DECODE_AND_RESIZE, [b64(content), b64(rgba.tobytes()), server.width, server.height])
        resized = np.frombuffer(base64.b64decode(got["resized"]), np.uint8).reshape(expected.shape)
        assert np.array_equal(resized, expected), f"{name}: resizeLikePillow differs from PIL's resize"
        assert (got["width"], got["height"]) == server.size, name  # EXIF orientation applied, as the server does
        decoded = np.frombuffer(base64.b64decode(got["decoded"]), np.uint8).reshape(server.height, server.width, 4)
        assert (decoded[..., 3] == 255).all(), name  # over white
        decode_diff = np.abs(decoded[..., :3].astype(int) - np.asarray(server).astype(int))
        model_input = np.frombuffer(base64.b64decode(got["input"]), np.uint8).reshape(expected.shape)
        input_diff = np.abs(model_input.astype(int) - expected.astype(int))
        report.append((name, server.size, int(decode_diff.max()), float(decode_diff.mean()), int(input_diff.max()),
                       float(input_diff.mean())))
    print("\nChromium vs Pillow: photo, size, decoded pixels max/mean |diff|, 224x224 input max/mean |diff|")
    for row in report:
        print("  %s %s decoded %d / %.4f, input %d / %.4f" % row)
    # the resize is exact; what remains is the JPEG decoders' rounding (libjpeg-turbo in both, different builds)
    # and the alpha blend's: a few levels at most, on a few pixels
    assert all(row[2] <= 8 and row[3] < 0.5 and row[4] <= 4 and row[5] < 0.2 for row in report), report


def test_resize_like_pillow_whichever_pass_pillow_runs_first(js_page):
    """Random sizes, shrinking and growing: Pillow 13 runs the vertical pass first when the height shrinks much more
    than the width, and the two orders round differently."""
    page = js_page()
    rng = np.random.default_rng(7)
    sizes = [(327, 499), (300, 1000), (1000, 300), (224, 500), (500, 224), (224, 224), (13, 224), (3000, 2),
             *[tuple(int(v) for v in rng.integers(2, 1200, 2)) for _ in range(24)]]
    for width, height in sizes:
        image = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
        want = np.asarray(image.resize((224, 224), Image.Resampling.BILINEAR))
        got = page.evaluate("([rgba, w, h]) => b64Of(libs.pixels.resizeLikePillow(bytesOf(rgba), w, h, 224, 224))",
                            [b64(np.asarray(image.convert("RGBA")).tobytes()), width, height])
        assert np.array_equal(np.frombuffer(base64.b64decode(got), np.uint8).reshape(want.shape), want), (width, height)


def test_bad_files_are_refused_with_their_code(js_page, datasets_dir):
    page = js_page()
    photo = _photos(datasets_dir)[0].read_bytes()
    huge = io.BytesIO()
    Image.new("L", (8000, 7000)).save(huge, format="PNG")  # 56 megapixels in a small file
    codes = page.evaluate("""async ([photo, huge]) => {
      const attempt = async (blob, options) => {
        try { await libs.pixels.decodePhoto(blob, options); return "decoded"; } catch (error) {
          return error instanceof libs.pixels.EdgeInputError ? error.code : `other: ${error}`; }
      };
      return {
        text: await attempt(new Blob(["no soy una foto"], { type: "image/jpeg" })),
        empty: await attempt(new Blob([])),
        svg: await attempt(new Blob(['<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'], { type: "image/svg+xml" })),
        truncated: await attempt(new Blob([bytesOf(photo).subarray(0, 300)])),
        big: await attempt(new Blob([bytesOf(photo)]), { maxBytes: 1000 }),
        huge: await attempt(new Blob([bytesOf(huge)])),
        fine: await attempt(new Blob([bytesOf(photo)])),
      };
    }""", [b64(photo), b64(huge.getvalue())])
    assert codes == {"text": "not_image", "empty": "not_image", "svg": "not_image", "truncated": "not_image",
                     "big": "too_large", "huge": "too_many_pixels", "fine": "decoded"}


def test_the_wasm_files_are_served_with_their_types(live_server):
    import urllib.request

    for name, content_type in (("ort.wasm.min.js", "text/javascript"), ("ort-wasm-simd-threaded.mjs", "text/javascript"),
                               ("ort-wasm-simd-threaded.wasm", "application/wasm")):
        with urllib.request.urlopen(f"{live_server.url}/static/vendor/onnxruntime-web/{name}") as response:
            assert response.headers["Content-Type"].split(";")[0] == content_type, name


CLASSIFY = """async ([file, precision]) => {
  const progress = [];
  const edge = await libs.edge.createEdge({ modelInfoUrl: "/api/v1/edge/model/", onProgress: (p) => progress.push(p) });
  const loaded = await edge.load(precision);
  const result = await edge.classify(new Blob([bytesOf(file)]), { precision });
  const again = await (await libs.edge.createEdge({ modelInfoUrl: "/api/v1/edge/model/" })).load(precision);
  return { loaded, again, downloads: progress.filter((p) => p.stage === "download").length,
           last: progress.filter((p) => p.stage === "download").pop(), runtime: edge.runtime(),
           info: edge.info, label: result.label, probabilities: result.probabilities,
           unusual_score: result.unusual_score, tags: result.tags.map((t) => t.tag), ms: result.ms,
           backend: result.backend, threads: result.threads, photo: result.photo, input: b64Of(result.input) };
}"""


def test_edge_js_runs_the_pretrained_version_and_gives_the_servers_answer(js_page, active_model, datasets_dir):
    from django.conf import settings

    from ml_models.core.answer import decide
    from ml_models.core.inference import OnnxModel, ServedModel
    from ml_models.core.preprocess import load_rgb, to_model_input

    page = js_page(isolated=True)
    served = ServedModel.load(settings.MODELS_DIR / active_model.artifact_dir)
    photo = _photos(datasets_dir)[0]
    server = served.answer(load_rgb(photo))
    result = page.evaluate(CLASSIFY, [b64(photo.read_bytes()), "fp32"])
    fp32 = result["info"]["files"]["fp32"]
    assert result["loaded"]["bytes"] == fp32["size_bytes"] and not result["loaded"]["fromCache"]
    assert result["loaded"]["downloaded"] == fp32["size_bytes"] and result["downloads"] > 1
    assert result["last"]["loaded"] == fp32["size_bytes"]
    assert result["again"]["fromCache"] and result["again"]["downloaded"] == 0  # Cache Storage, keyed by the URL
    assert result["runtime"]["isolated"] and result["runtime"]["secure"] and result["backend"] == "wasm"
    assert result["threads"] == result["runtime"]["threads"] >= 1
    assert result["runtime"]["reason"] in (None, "one_core")
    assert result["label"] == server.verdict.label
    fp32_diff = abs(result["probabilities"]["cat"] - server.verdict.cat)
    unusual_diff = abs(result["unusual_score"] - server.verdict.unusual_score)
    assert fp32_diff < 1e-3 and unusual_diff < 1e-3
    assert result["tags"] == [tag["tag"] for tag in server.tags]
    model_input = np.frombuffer(base64.b64decode(result["input"]), np.uint8).reshape(224, 224, 3)
    input_diff = int(np.abs(model_input.astype(int) - to_model_input(load_rgb(photo), (224, 224)).astype(int)).max())
    line = (f"\nedge.js FP32 on {photo.name}: |P(cat) browser - server| {fp32_diff:.2e}, |unusual| {unusual_diff:.2e}, "
            f"input max |diff| {input_diff}, {result['ms']:.0f} ms, {result['threads']} threads")
    int8 = result["info"]["files"]["int8"]
    if int8:  # INT8: the same file in ONNX Runtime here and in the browser
        result8 = page.evaluate(CLASSIFY, [b64(photo.read_bytes()), "int8"])
        native = OnnxModel(settings.MODELS_DIR / active_model.artifact_dir / "served_int8.onnx")
        outputs = native.predict(to_model_input(load_rgb(photo), (224, 224))[None])
        verdict8 = decide({name: values[0] for name, values in outputs.items()}, served.signature)
        int8_diff = abs(result8["probabilities"]["cat"] - verdict8.cat)
        line += f"; INT8 |P(cat) browser - native INT8| {int8_diff:.2e}, label {result8['label']} / {verdict8.label}"
        assert result8["loaded"]["bytes"] == int8["size_bytes"] and int8_diff < 1e-2
    print(line)


def test_without_isolation_headers_threads_are_off_and_the_page_says_why(js_page):
    page = js_page(isolated=False)
    runtime = page.evaluate("libs.edge.runtime()")
    assert runtime == {"backend": "wasm", "threads": 1, "isolated": False, "secure": True, "reason": "not_isolated"}
