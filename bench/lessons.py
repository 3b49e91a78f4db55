"""Benchmark the lesson pages with their widgets and write it to docs/benchmarks.md (`make bench`).

A throw-away SQLite database (a temporary EDUAI_DATA_DIR) gets the built-in course, the pretrained model,
a class with 40 shared photos labelled from their folders, a real small training run of that class (the
`smoke` preset with 2-fold cross-validation and INT8 export, activated for the class, its pictures scored) and
a real learning-curve simulation, and a student with one analysed photo: so every widget of the course draws
real data. For each
chapter, one "page view" is the lesson page itself plus every widget data request the page makes (each
`data-data-url`), served by Django's test client in this process (no network, no browser): the time a
student's browser waits for the server. Only `## Lessons (make bench)` of docs/benchmarks.md is rewritten.
Run from the project root: `.venv/bin/python -m bench.lessons`. Times in milliseconds.
"""
from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

# the models `make models` prepared, before the data folder moves to a temporary one
os.environ.setdefault("EDUAI_MODELS_DIR", str(Path(__file__).resolve().parent.parent / "var" / "models"))
os.environ["EDUAI_DATA_DIR"] = tempfile.mkdtemp(prefix="eduai-bench-lessons-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduai.settings")

import django  # noqa: E402

django.setup()

from bench.analyze import DOC_PATH, machine_info, write_section  # noqa: E402

SECTION_HEADING = "## Lessons (make bench)"
PHOTOS_PER_CLASS = 20  # cats and as many dogs (the learning-curve simulation needs 40 settled pictures)
WARMUP_VIEWS = 2
TIMED_VIEWS = 15
GOAL_P50_MS = 150.0
DATA_URL = re.compile(r'data-data-url="([^"]+)"')


def prepare():
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from classifier.images import read_image
    from classifier.services import store_image
    from eduai import classes
    from labeling.models import DATASET_LABELER, ClassImage, Label
    from labeling.scoring import score_class
    from ml_models.networks import pretrained
    from ml_models.services import register_version

    call_command("migrate", verbosity=0)
    call_command("load_course", verbosity=0)
    register_version(folder=pretrained.artifact_dir(settings.MODELS_DIR))
    from django.contrib.auth.models import Group

    users = get_user_model()
    teacher = users.objects.create_user("bench-teacher", password="x")
    teacher.groups.add(Group.objects.get_or_create(name="teacher")[0])
    student = users.objects.create_user("bench-student", password="x")
    classroom = classes.create_class(name="Bench", teacher=teacher)
    classes.join_class(user=student, join_code=classroom.join_code)
    folder = Path(settings.SHARED_DATASETS_DIR) / "catsdogs"
    if not folder.is_dir():
        sys.exit(f"shared datasets not found at {folder}")
    for label in ("cat", "dog"):
        for path in sorted((folder / label).glob("*.jpg"))[:PHOTOS_PER_CLASS]:
            image = read_image(path.read_bytes(), max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES,
                               max_pixels=settings.EDUAI_MAX_IMAGE_PIXELS)
            stored = store_image(image, user=teacher, written=[])
            ClassImage.objects.get_or_create(classroom=classroom, image=stored)
            Label.objects.create(classroom=classroom, image=stored, labeler=DATASET_LABELER, value=label,
                                 strategy="random")
    from classifier.services import analyze_image

    first_cat = sorted((folder / "cat").glob("*.jpg"))[0]
    analyze_image(content=first_cat.read_bytes(), original_name=first_cat.name, user=student, classroom=classroom)
    _train_and_activate(classroom, teacher)
    score_class(classroom=classroom)
    _simulate_learning_curve(classroom, teacher)
    return student


def _train_and_activate(classroom, teacher) -> None:
    """A real run of the class (TensorFlow, in this process: a command-line benchmark, not the web process)."""
    from ml_models.services import activate_version
    from training.pipeline.config import preset
    from training.services import execute_run, start_run

    run = start_run(classroom=classroom, config=preset("smoke", cv_folds=2, quantize=True), user=teacher,
                    enqueue=False)
    run = execute_run(run)
    if run.model_version is None:
        sys.exit(f"the benchmark's training run failed: {run.job.error}")
    activate_version(version=run.model_version, classroom=classroom)


def _simulate_learning_curve(classroom, teacher) -> None:
    from eduai import jobs
    from labeling.learning_curve import CurveSettings
    from labeling.services import start_learning_curve

    job = start_learning_curve(classroom=classroom, user=teacher, settings=CurveSettings(sizes=(10, 20), seeds=2))
    jobs.execute(job.pk, worker="bench")


def page_view(client, slug: str) -> tuple[float, int, list[str]]:
    """(ms for the page and all its widget data requests, number of requests, widgets that had no data)."""
    start = time.perf_counter()
    page = client.get(f"/lessons/{slug}/")
    assert page.status_code == 200, (slug, page.status_code)
    urls = DATA_URL.findall(page.content.decode())
    empty = []
    for url in urls:
        answer = client.get(url.replace("&amp;", "&"))
        assert answer.status_code == 200, (url, answer.status_code, answer.content[:200])
        if "empty" in answer.json():
            empty.append(url.split("/widgets/")[1].split("/")[0])
    return 1000 * (time.perf_counter() - start), 1 + len(urls), empty


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main():
    from django.test import Client

    from lessons.models import Lesson

    student = prepare()
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(student)
    rows, everything = [], []
    for lesson in Lesson.objects.filter(builtin=True).order_by("order", "slug"):
        for _ in range(WARMUP_VIEWS):
            page_view(client, lesson.slug)
        times = []
        for _ in range(TIMED_VIEWS):
            elapsed, requests, empty = page_view(client, lesson.slug)
            times.append(elapsed)
        everything += times
        rows.append((lesson.order, lesson.slug, requests, statistics.median(times), percentile(times, 0.9),
                     ", ".join(empty) or "none"))
        print(f"{lesson.slug}: p50 {rows[-1][3]:.1f} ms, p90 {rows[-1][4]:.1f} ms ({requests} requests, "
              f"empty: {rows[-1][5]})")
    p50 = statistics.median(everything)
    info = machine_info()
    lines = [SECTION_HEADING, "",
             f"Measured {info['date (UTC)']} UTC on {info['CPU']} ({info['cores (`os.cpu_count()`)']} cores, "
             f"{info['RAM']}), Python {info['Python']}; load average at start "
             f"{info['load average at start (1 / 5 min)']}.",
             "",
             f"Each built-in lesson viewed {TIMED_VIEWS} times (after {WARMUP_VIEWS} warm-up views) by a student "
             f"of a class with {2 * PHOTOS_PER_CLASS} shared photos (shared datasets, first {PHOTOS_PER_CLASS} "
             "cats and dogs by name) labelled from their folders, one real training run of the class (`smoke` "
             "preset, 2-fold cross-validation, INT8 export; activated, its pictures scored) and one real "
             "learning-curve simulation; the student has analysed one photo. So every widget draws real data. A view is the page plus every widget "
             "data request it makes, through Django's test client on SQLite (the server's time, without network "
             "or browser).",
             "",
             "| chapter | lesson | requests | p50 (ms) | p90 (ms) | widgets with nothing to show |",
             "|---|---|---|---|---|---|",
             *[f"| {order} | {slug} | {requests} | {p50_ms:.1f} | {p90_ms:.1f} | {empty} |"
               for order, slug, requests, p50_ms, p90_ms, empty in rows],
             "",
             f"All views: p50 **{p50:.1f} ms**, p90 {percentile(everything, 0.9):.1f} ms "
             f"(goal: p50 under {GOAL_P50_MS:.0f} ms on 2 cores: {'met' if p50 < GOAL_P50_MS else 'NOT met'}).",
             ""]
    write_section(DOC_PATH, "\n".join(lines) + "\n", heading=SECTION_HEADING)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
