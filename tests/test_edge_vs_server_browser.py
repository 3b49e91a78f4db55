"""In Debian's Chromium, an anonymous visitor on /edge/ (the global pretrained version) classifies real held-out
shared photos in FP32 and INT8 with `window.eduaiEdge.classify`, and the answers are compared with the server's
for the same files (the analyze service: `classifier.services.analyze_image`, ONNX Runtime in this process).
FP32: every label the same, |P(cat)| and unusual-score differences under 1e-3. INT8: at least 98 % of the labels
the same. While the photos are classified, no request carries a photo (no POST, no analyze or upload URL).
The photos: 17 cats, 17 dogs and 17 not-catdog, the lowest sha256 among the files whose sha256 starts with 8-f
(bench.edge.held_out_photos), so 98 % of 51 allows one flip. Two tests (FP32, INT8), about 30 s each."""
import pytest

from bench.edge import LOAD_PHOTOS_JS, held_out_photos

pytestmark = pytest.mark.browser

PER_GROUP = 17  # 51 photos: >= 98 % agreement means at most one INT8 flip
FP32_TOLERANCE = 1e-3
INT8_AGREEMENT = 0.98
PHOTO_ENDPOINTS = ("/analyze", "/analyses", "/upload", "/images", "/server-answers", "/labeling")

CLASSIFY_ALL = """async (precision) => {
  const found = [];
  for (const blob of window.__benchPhotos) {
    const r = await window.eduaiEdge.classify(blob, {precision});
    found.push({label: r.label, cat: r.probabilities.cat, dog: r.probabilities.dog, unusual_score: r.unusual_score,
                ms: r.ms, backend: r.backend, threads: r.threads, tags: Array.isArray(r.tags)});
  }
  return found;
}"""


@pytest.fixture
def photos(datasets_dir):
    if not (datasets_dir / "not-catdog").is_dir():
        pytest.skip(f"shared datasets not found at {datasets_dir} (need not-catdog/ too)")
    return held_out_photos(datasets_dir, PER_GROUP)


def server_answers(photos, user):
    """The analyze service's answer for each photo, with the version that answers without a class."""
    from classifier.services import analyze_image

    return [analyze_image(content=photo.content, original_name=photo.path.name, user=user) for photo in photos]


def classify_in_the_browser(live_server, page, active_model, photos, precision):
    """An anonymous visitor's /edge/: every photo through window.eduaiEdge.classify in `precision`, watching the
    requests meanwhile. -> (the page's answers, the requests that could have carried a photo)."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    console = []  # the page's console errors, to say why the hook is missing (the missing favicon is one)
    page.on("console", lambda message: message.type == "error" and console.append(message.text))
    page.goto(f"{live_server.url}/edge/")
    try:
        page.wait_for_function("window.eduaiEdge && window.eduaiEdge.ready", timeout=20_000)
    except Exception as error:  # noqa: BLE001 - say what the page said
        raise AssertionError(f"no window.eduaiEdge on /edge/: {errors} {console}") from error
    assert page.evaluate("window.eduaiEdge.ready.then(() => true)")
    assert page.evaluate("window.eduaiEdge.info.version.id") == active_model.pk
    assert page.evaluate("window.eduaiEdge.info.files.int8 !== null"), "the edge page offers no INT8 file"
    assert page.evaluate(LOAD_PHOTOS_JS, [[photo.base64(), photo.mime] for photo in photos]) == len(photos)

    requests = []
    page.context.on("request", lambda request: requests.append(request))  # the page's and its service worker's
    rows = page.evaluate(CLASSIFY_ALL, precision)
    page.wait_for_timeout(200)  # anything still being sent is seen
    sent = [(r.method, r.url) for r in requests if r.method != "GET" or r.post_data_buffer
            or any(part in r.url for part in PHOTO_ENDPOINTS)]
    assert not errors, errors

    isolated, cores = page.evaluate("[window.crossOriginIsolated, navigator.hardwareConcurrency || 1]")
    assert isolated, "/edge/ is not cross-origin isolated: wasm threads are off"
    assert len(rows) == len(photos)
    for row in rows:
        assert row["backend"] == "wasm" and row["threads"] == min(4, cores), row
        assert 0 < row["ms"] < 60_000 and row["tags"], row
        assert row["cat"] + row["dog"] == pytest.approx(1, abs=1e-6)
    return rows, sent


def compare(photos, rows, expected, precision):
    """(labels the same, largest |dP(cat)|, largest |d unusual score|, the flips), printed."""
    same = sum(row["label"] == analysis.label for row, analysis in zip(rows, expected))
    cat_diff = max(abs(row["cat"] - analysis.probabilities["cat"]) for row, analysis in zip(rows, expected))
    unusual_diff = max(abs(row["unusual_score"] - analysis.unusual_score) for row, analysis in zip(rows, expected))
    flips = [(photo.path.name, analysis.label, row["label"])
             for photo, row, analysis in zip(photos, rows, expected) if row["label"] != analysis.label]
    ms = sorted(row["ms"] for row in rows)
    print(f"{precision}: {same} of {len(rows)} labels as the server's, max |dP(cat)| {cat_diff:.2e}, "
          f"max |d unusual| {unusual_diff:.2e}, median ms {ms[len(ms) // 2]:.1f}, threads {rows[0]['threads']}, "
          f"flips (photo, server, browser) {flips}")
    return same, cat_diff, unusual_diff, flips


def test_fp32_in_the_browser_gives_the_servers_answers_without_sending_the_photos(
    live_server, transactional_db, active_model, make_user, photos, browser_page
):
    expected = server_answers(photos, make_user("servidor"))
    # the photos are really mixed: the server calls some cats, some dogs and some unusual
    assert {analysis.label for analysis in expected} == {"cat", "dog", "unusual"}
    rows, sent = classify_in_the_browser(live_server, browser_page, active_model, photos, "fp32")
    assert not sent, f"requests while classifying: {sent}"
    count = len(photos)
    same, cat_diff, unusual_diff, flips = compare(photos, rows, expected, "fp32")
    assert same == count, f"FP32 labels differ from the server's: {flips}"
    assert cat_diff < FP32_TOLERANCE and unusual_diff < FP32_TOLERANCE, (cat_diff, unusual_diff)


def test_int8_in_the_browser_keeps_the_servers_labels_without_sending_the_photos(
    live_server, transactional_db, active_model, make_user, photos, browser_page
):
    from ml_models.core.artifacts import ONNX_INT8_FILE, Manifest

    assert ONNX_INT8_FILE in Manifest.read(_folder(active_model)).files, "the pretrained version has no INT8 file"
    expected = server_answers(photos, make_user("servidor"))
    rows, sent = classify_in_the_browser(live_server, browser_page, active_model, photos, "int8")
    assert not sent, f"requests while classifying (the INT8 file's download is a GET): {sent}"
    count = len(photos)
    same, _, _, flips = compare(photos, rows, expected, "int8")
    assert same / count >= INT8_AGREEMENT, f"INT8 agrees with the server on {same} of {count}: {flips}"


def _folder(version):
    from django.conf import settings

    return settings.MODELS_DIR / version.artifact_dir
