"""In Debian's Chromium, an anonymous visitor on /edge/ (the global pretrained version) classifies real held-out
shared photos in FP32 and INT8 with `window.eduaiEdge.classify`, and the answers are compared with the server's
for the same files (the analyze service: `classifier.services.analyze_image`, ONNX Runtime in this process).
FP32: every label the same, |P(cat)| and unusual-score differences under 1e-3. INT8: at least 98 % of the labels
the same. While the photos are classified, no request carries a photo (no POST, no analyze or upload URL).
The photos: 17 cats, 17 dogs and 17 not-catdog, the lowest sha256 among the files whose sha256 starts with 8-f
(bench.edge.held_out_photos), so 98 % of 51 allows one flip. Takes about 30 s."""
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


def test_the_browser_gives_the_servers_answers_without_sending_the_photos(
    live_server, transactional_db, active_model, make_user, photos, browser_page
):
    from ml_models.core.artifacts import ONNX_INT8_FILE, Manifest

    assert ONNX_INT8_FILE in Manifest.read(_folder(active_model)).files, "the pretrained version has no INT8 file"
    expected = server_answers(photos, make_user("servidor"))
    page = browser_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/edge/")
    page.wait_for_function("window.eduaiEdge && window.eduaiEdge.ready", timeout=20_000)
    assert page.evaluate("window.eduaiEdge.ready.then(() => true)")
    assert page.evaluate("window.eduaiEdge.info.version.id") == active_model.pk
    assert page.evaluate("window.eduaiEdge.info.files.int8 !== null")
    assert page.evaluate(LOAD_PHOTOS_JS, [[photo.base64(), photo.mime] for photo in photos]) == len(photos)

    requests = []
    page.context.on("request", lambda request: requests.append(request))
    found = {precision: page.evaluate(CLASSIFY_ALL, precision) for precision in ("fp32", "int8")}
    page.wait_for_timeout(200)  # anything still being sent is seen

    sent = [(r.method, r.url) for r in requests if r.method != "GET" or r.post_data_buffer
            or any(part in r.url for part in PHOTO_ENDPOINTS)]
    assert not sent, f"requests while classifying: {sent}"
    assert not errors, errors

    isolated, cores = page.evaluate("[window.crossOriginIsolated, navigator.hardwareConcurrency || 1]")
    assert isolated, "/edge/ is not cross-origin isolated: wasm threads are off"
    report = {}
    for precision, rows in found.items():
        assert len(rows) == len(photos)
        for row in rows:
            assert row["backend"] == "wasm" and row["threads"] == min(4, cores), row
            assert 0 < row["ms"] < 60_000 and row["tags"], row
            assert row["cat"] + row["dog"] == pytest.approx(1, abs=1e-6)
        same = [row["label"] == analysis.label for row, analysis in zip(rows, expected)]
        cat_diff = [abs(row["cat"] - analysis.probabilities["cat"]) for row, analysis in zip(rows, expected)]
        unusual_diff = [abs(row["unusual_score"] - analysis.unusual_score) for row, analysis in zip(rows, expected)]
        flips = [(photo.path.name, analysis.label, row["label"])
                 for photo, row, analysis, ok in zip(photos, rows, expected, same) if not ok]
        ms = sorted(row["ms"] for row in rows)
        report[precision] = (sum(same), max(cat_diff), max(unusual_diff), flips, ms[len(ms) // 2])
        print(f"{precision}: {sum(same)} of {len(rows)} labels as the server's, max |dP(cat)| {max(cat_diff):.2e}, "
              f"max |d unusual| {max(unusual_diff):.2e}, median ms {ms[len(ms) // 2]:.1f}, flips {flips}")

    same, cat_diff, unusual_diff, flips, _ = report["fp32"]
    assert same == len(photos), f"FP32 labels differ from the server's: {flips}"
    assert cat_diff < FP32_TOLERANCE and unusual_diff < FP32_TOLERANCE, report["fp32"]
    same, _, _, flips, _ = report["int8"]
    assert same / len(photos) >= INT8_AGREEMENT, f"INT8 agrees on {same} of {len(photos)}: {flips}"
    # the groups are really mixed: the server calls some photos cats, some dogs and some unusual
    assert {analysis.label for analysis in expected} == {"cat", "dog", "unusual"}


def _folder(version):
    from django.conf import settings

    return settings.MODELS_DIR / version.artifact_dir
