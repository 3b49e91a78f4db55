"""Real Celery workers for tests: a separate process sharing the test's database, media and models."""
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def database_url(connection) -> str:
    """The test database, for a worker process to share."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    return (f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
            f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}")


def start_worker(queue: str, *, hostname: str, log_path: Path, **env_overrides) -> subprocess.Popen:
    """A worker on its own queue (so no other test's worker takes its tasks), logging to `log_path`
    (a file, not a pipe nobody reads: a full pipe blocks it). `env_overrides` are extra settings."""
    from django.db import connection

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "eduai.settings", "DATABASE_URL": database_url(connection),
           "EDUAI_MEDIA_DIR": str(settings.MEDIA_ROOT), "EDUAI_MODELS_DIR": str(settings.MODELS_DIR),
           **{name: str(value) for name, value in env_overrides.items()}}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "eduai", "worker", "--pool=solo", "--queues", queue,
             f"--hostname={hostname}", "--loglevel=warning", "--without-heartbeat", "--without-gossip",
             "--without-mingle"],
            env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT, text=True,
        )
    process.log_path = log_path
    return process


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)
