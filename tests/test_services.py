"""The real services: PostgreSQL when DATABASE_URL is set, and a real Celery worker over the
filesystem broker (embedded default) or Redis (REDIS_URL)."""
import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

SEND = """
import json, sys, django
django.setup()
from ml_models.tasks import verify_artifacts
print(json.dumps(verify_artifacts.delay(sys.argv[1]).get(timeout=90)))
"""


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="DATABASE_URL not set: running on SQLite")
def test_database_url_selects_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


def test_embedded_default_is_sqlite_under_the_data_dir(db):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is set: this run uses PostgreSQL")
    assert connection.vendor == "sqlite"


def test_broker_follows_redis_url():
    if os.environ.get("REDIS_URL"):
        import redis

        assert settings.CELERY_BROKER_URL == os.environ["REDIS_URL"]
        assert redis.Redis.from_url(os.environ["REDIS_URL"]).ping()
    else:
        assert settings.CELERY_BROKER_URL == "filesystem://"


def test_task_runs_in_a_real_worker(model_folder, tmp_path):
    """A separate worker process picks the task from the broker and sends back its result."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "eduai.settings", "EDUAI_DATA_DIR": str(tmp_path)}
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"  # keeps this test's task away from other workers
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "eduai", "worker", "--pool=solo", "--queues", queue,
         "--loglevel=warning", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        send = SEND.replace("verify_artifacts.delay(sys.argv[1])", f"verify_artifacts.apply_async((sys.argv[1],), queue={queue!r})")
        result = subprocess.run(
            [sys.executable, "-c", send, str(model_folder)],
            env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=150, check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        report = json.loads(result.stdout.strip().splitlines()[-1])
        assert report["model"] == "lite0-imagenet v4"  # the contract, the explain files and the INT8 graph
        assert report["outputs"] == ["class_maps", "embedding", "feature_maps", "probabilities"]  # its signature's
        assert report["probabilities_sum"] == pytest.approx(1.0, abs=1e-4)
        assert not (settings.BASE_DIR / "control").exists()  # the broker writes only under the data folder
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
