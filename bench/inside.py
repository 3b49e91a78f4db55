"""Benchmark the look-inside views and write them to docs/benchmarks.md (`make bench`).

A throw-away SQLite database (a temporary EDUAI_DATA_DIR) gets the pretrained model and a student who analysed
the first 5 cat and 5 dog photos of the shared datasets (by name); a second class gets a real small student-CNN
run (`smoke` preset), activated, and the same student analyses the same photos there. Every request goes
through Django's test client in this process (the server's time, no network or browser), for each version:
a layer's feature maps (several layers), one painted occlusion, the automatic occlusion map (default and
largest grid) and the sanity check (the job's handler, in this process). "Cold" is the first request for a
photo in the process (the photo is decoded and resized), "warm" every later one. Only
`## Look inside (make bench)` of docs/benchmarks.md is rewritten. Run from the project root:
`.venv/bin/python -m bench.inside`. Times in milliseconds.
"""
from __future__ import annotations

import base64
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("EDUAI_MODELS_DIR", str(Path(__file__).resolve().parent.parent / "var" / "models"))
os.environ["EDUAI_DATA_DIR"] = tempfile.mkdtemp(prefix="eduai-bench-inside-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduai.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from bench.analyze import DOC_PATH, machine_info, write_section  # noqa: E402
from bench.lessons import percentile  # noqa: E402

SECTION_HEADING = "## Look inside (make bench)"
PHOTOS_PER_CLASS = 5
REPEATS = 3  # timed passes over the photos after the cold one
GOALS_MS = {"feature maps of one layer": 300, "one painted occlusion": 150, "automatic occlusion map": 2000,
            "sanity check": 5000}
LAYERS = {"lite0_imagenet": ["stem_relu", "block4_add", "block12_add", "head_relu"],
          "student_cnn": ["conv1_relu", "conv2_relu", "conv3_relu", "conv4_relu"]}


def painted_mask() -> str:
    """A disc over the middle of the photo, as a student's brush would paint it (224x224 PNG, base64)."""
    mask = Image.new("L", (224, 224), 0)
    ImageDraw.Draw(mask).ellipse((62, 62, 162, 162), fill=255)
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def prepare():
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from classifier.services import analyze_image
    from eduai import classes
    from ml_models.networks import pretrained
    from ml_models.services import register_version

    call_command("migrate", verbosity=0)
    register_version(folder=pretrained.artifact_dir(settings.MODELS_DIR))
    users = get_user_model()
    teacher = users.objects.create_user("bench-teacher", password="x")
    teacher.groups.add(Group.objects.get_or_create(name="teacher")[0])
    student = users.objects.create_user("bench-student", password="x")
    zero_shot = classes.create_class(name="Zero-shot", teacher=teacher)
    trained = classes.create_class(name="Student CNN", teacher=teacher)
    folder = Path(settings.SHARED_DATASETS_DIR) / "catsdogs"
    if not folder.is_dir():
        sys.exit(f"shared datasets not found at {folder}")
    photos = [path for label in ("cat", "dog") for path in sorted((folder / label).glob("*.jpg"))[:PHOTOS_PER_CLASS]]
    _train_student_cnn(trained, teacher, folder)
    analyses = {}
    for classroom in (zero_shot, trained):
        classes.join_class(user=student, join_code=classroom.join_code)
        analyses[classroom.name] = [analyze_image(content=path.read_bytes(), original_name=path.name, user=student,
                                                  classroom=classroom) for path in photos]
    return student, analyses


def _train_student_cnn(classroom, teacher, folder: Path) -> None:
    """A real smoke run of the class on 40 shared photos (TensorFlow, in this command-line process)."""
    from django.conf import settings

    from classifier.images import read_image
    from classifier.services import store_image
    from labeling.models import DATASET_LABELER, ClassImage, Label
    from ml_models.services import activate_version
    from training.pipeline.config import preset
    from training.services import execute_run, start_run

    for label in ("cat", "dog"):
        for path in sorted((folder / label).glob("*.jpg"))[:20]:
            image = read_image(path.read_bytes(), max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES,
                               max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
            stored = store_image(image, user=teacher, written=[])
            ClassImage.objects.get_or_create(classroom=classroom, image=stored)
            Label.objects.create(classroom=classroom, image=stored, labeler=DATASET_LABELER, value=label,
                                 strategy="random")
    run = execute_run(start_run(classroom=classroom, config=preset("smoke", quantize=False), user=teacher,
                                enqueue=False))
    if run.model_version is None:
        sys.exit(f"the benchmark's training run failed: {run.job.error}")
    activate_version(version=run.model_version, classroom=classroom)


def timed(call) -> float:
    start = time.perf_counter()
    response = call()
    elapsed = 1000 * (time.perf_counter() - start)
    assert response.status_code in (200, 202), (response.status_code, response.content[:300])
    return elapsed


def measure(client, analyses, family: str) -> dict[str, dict]:
    from eduai import jobs

    mask = painted_mask()
    found: dict[str, list[float]] = {"cold": []}
    for analysis in analyses:  # the first request for each photo decodes it
        found["cold"].append(timed(lambda a=analysis: client.get(f"/api/v1/analyses/{a.pk}/layers/{LAYERS[family][1]}/")))
    rows = {key: [] for key in ("feature maps of one layer", "one painted occlusion", "automatic occlusion map",
                                "automatic occlusion map, largest grid", "sanity check")}
    for _ in range(REPEATS):
        for analysis in analyses:
            base = f"/api/v1/analyses/{analysis.pk}"
            for layer in LAYERS[family]:
                rows["feature maps of one layer"].append(timed(lambda u=f"{base}/layers/{layer}/": client.get(u)))
            rows["one painted occlusion"].append(timed(lambda: client.post(
                f"{base}/occlusion/", {"mask": mask, "fill": "mean"}, content_type="application/json")))
    for analysis in analyses[:: max(1, len(analyses) // 3)][:3]:
        base = f"/api/v1/analyses/{analysis.pk}"
        rows["automatic occlusion map"].append(timed(lambda: client.post(
            f"{base}/occlusion-map/", {"patch": 56, "stride": 28}, content_type="application/json")))
        rows["automatic occlusion map, largest grid"].append(timed(lambda: client.post(
            f"{base}/occlusion-map/", {"patch": 28, "stride": 14}, content_type="application/json")))
        job_id = client.post(f"{base}/sanity-check/").json()["id"]
        start = time.perf_counter()
        job = jobs.execute(job_id, worker="bench")
        assert job.status == "succeeded", job.error
        rows["sanity check"].append(1000 * (time.perf_counter() - start))
    rows["feature maps, first request for a photo (cold)"] = found["cold"]
    return {name: {"n": len(values), "p50": statistics.median(values), "p90": percentile(values, 0.9)}
            for name, values in rows.items()}


def main():
    from django.test import Client

    student, analyses = prepare()
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(student)
    results = {"lite0_imagenet": measure(client, analyses["Zero-shot"], "lite0_imagenet"),
               "student_cnn": measure(client, analyses["Student CNN"], "student_cnn")}
    info = machine_info()
    lines = [SECTION_HEADING, "",
             f"Measured {info['date (UTC)']} UTC on {info['CPU']} ({info['cores (`os.cpu_count()`)']} cores, "
             f"{info['RAM']}), Python {info['Python']}, ONNX Runtime {info['onnxruntime']}; load average at start "
             f"{info['load average at start (1 / 5 min)']}.", "",
             f"The student's own analyses of the first {PHOTOS_PER_CLASS} cat and {PHOTOS_PER_CLASS} dog photos of the "
             "shared datasets (by name), through Django's test client on SQLite (the server's time, no network or "
             "browser). Pretrained EfficientNet-Lite0 (v3, its explain graph has 142 feature-map outputs) and a "
             "student CNN trained in the app (`smoke` preset on 40 shared photos; its served graph also holds "
             "Lite0 for the ImageNet outputs). Feature maps: layers "
             f"{', '.join(LAYERS['lite0_imagenet'])} (Lite0) and {', '.join(LAYERS['student_cnn'])} (student CNN), "
             f"{REPEATS} passes over the photos; painted occlusion: a disc over the middle (20 % of the photo); "
             "automatic map: patch 56 px, stride 28 (49 positions) and patch 28, stride 14 (225 positions, near "
             "the 256 limit); sanity check: 6 randomisation steps (Lite0) or 5 (student CNN), each with the CAM "
             "and a 16-position occlusion map, on 3 photos.", "",
             "| view | version | requests | p50 (ms) | p90 (ms) | goal (p50) |", "|---|---|---|---|---|---|"]
    for family, rows in results.items():
        for name, row in rows.items():
            goal = next((f"under {ms} ms: {'met' if row['p50'] < ms else 'NOT met'}" for key, ms in GOALS_MS.items()
                         if name == key), "")
            lines.append(f"| {name} | {family} | {row['n']} | {row['p50']:.1f} | {row['p90']:.1f} | {goal} |")
    lines += ["", "The time machine's cost per epoch is measured by `bench/time_machine.py` (below, when present).", ""]
    write_section(DOC_PATH, "\n".join(lines) + "\n", heading=SECTION_HEADING)
    print("\n".join(lines))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
