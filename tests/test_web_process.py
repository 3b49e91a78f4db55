"""The web process serves with ONNX Runtime and never imports TensorFlow."""
import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import io, json, sys
from pathlib import Path
import django
django.setup()
from django.urls import get_resolver
from django.test import Client
from PIL import Image
from django.core.management import call_command
call_command("migrate", verbosity=0)
get_resolver().url_patterns  # imports every view, serializer and admin module
import eduai.wsgi  # the WSGI application gunicorn would load
from django.contrib.auth import get_user_model
from ml_models.core.inference import ServedModel
from ml_models.services import register_version

folder = Path(sys.argv[1])
answer = ServedModel.load(folder).answer(Image.new("RGB", (300, 200), (200, 120, 40)))
register_version(folder=folder)
client = Client()
client.force_login(get_user_model().objects.create_user("ana"))
photo = io.BytesIO()
Image.new("RGB", (120, 90), (40, 120, 200)).save(photo, format="JPEG")
photo.name = "photo.jpg"
photo.seek(0)
analysis = client.post("/api/v1/analyses/", {"image": photo})  # as the web process serves it
assert analysis.status_code == 201, analysis.content
assert client.get("/").status_code == 200
inside = f"/api/v1/analyses/{analysis.json()['id']}"  # look inside: the explain graph, occlusion
assert client.get(f"{inside}/layers/stem_relu/").status_code == 200
assert client.get(f"{inside}/neuron/?channel=0&x=3&y=3").status_code == 200
assert client.post(f"{inside}/occlusion-map/", {"patch": 112, "stride": 112},
                   content_type="application/json").status_code == 200
assert client.get(f"/inside/?analysis={analysis.json()['id']}").status_code == 200
from django.conf import settings
apps = {"classifier", "eduai", "labeling", "ml_models", "training", "inside", "lessons"}
foreign = sorted(name for name, module in list(sys.modules.items()) if name.split(".")[0] in apps
                 and getattr(module, "__file__", None) and not Path(module.__file__).is_relative_to(settings.BASE_DIR))
print(json.dumps({"loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "tf_keras", "keras", "tf2onnx")),
                  "foreign": foreign,
                  "label": answer.verdict.label, "served": analysis.json()["label"],
                  "model": analysis.json()["model_version"]["name"]}))
"""


def test_serving_an_analysis_does_not_import_tensorflow(model_folder, tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "eduai.settings", "EDUAI_DATA_DIR": str(tmp_path),
           "EDUAI_MODELS_DIR": str(model_folder.parent.parent)}
    env.pop("DATABASE_URL", None)  # its own throw-away SQLite database
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(model_folder)],
        capture_output=True, text=True, env=env, cwd=settings.BASE_DIR, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["label"] in {"cat", "dog", "unusual"} and report["served"] in {"cat", "dog", "unusual"}
    assert report["model"] == "lite0-imagenet"
    assert report["loaded"] == []
    # every module of ours comes from this checkout (an import of a module the code no longer has would
    # otherwise be found in another installed copy and only fail where there is none)
    assert report["foreign"] == []
