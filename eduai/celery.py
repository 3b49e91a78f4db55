"""Celery application: filesystem broker by default, Redis when REDIS_URL is set (see settings)."""
import os

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduai.settings")

app = Celery("eduai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
_beat = {}


@worker_ready.connect
def _worker_ready(sender=None, **kwargs):
    """Fail the jobs this worker was running before it last stopped, and start beating."""
    from eduai import jobs

    jobs.on_worker_ready(sender.hostname)
    _beat["thread"] = jobs.start_beating(sender.hostname)


@worker_shutdown.connect
def _worker_shutdown(**kwargs):
    thread = _beat.pop("thread", None)
    if thread is not None:
        thread.stopped.set()
