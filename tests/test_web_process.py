"""The web process serves with ONNX Runtime and never imports TensorFlow."""
import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import json, sys, django
django.setup()
from django.urls import get_resolver
from django.test import Client
from PIL import Image
from django.core.management import call_command
call_command("migrate", verbosity=0)
get_resolver().url_patterns  # imports every view, serializer and admin module
import eduai.wsgi  # the WSGI application gunicorn would load
from classifier import services
from ml_models.runtime import LoadedModel
model = LoadedModel.load(__import__("pathlib").Path(sys.argv[1]))
prediction = services.predict(model, Image.new("RGB", (300, 200), (200, 120, 40)))
assert Client().get("/").status_code == 200
print(json.dumps({"loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "tf_keras", "keras", "tf2onnx")),
                  "label": prediction.verdict.label}))
"""


def test_serving_an_analysis_does_not_import_tensorflow(model_folder, tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "eduai.settings", "EDUAI_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # its own throw-away SQLite database
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(model_folder)],
        capture_output=True, text=True, env=env, cwd=settings.BASE_DIR, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["label"] in {"cat", "dog", "unusual"}
    assert report["loaded"] == []
