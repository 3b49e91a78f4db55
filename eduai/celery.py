"""Celery application: filesystem broker by default, Redis when REDIS_URL is set (see settings)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eduai.settings")

app = Celery("eduai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
