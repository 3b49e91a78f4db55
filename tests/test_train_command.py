"""manage.py train: labelled images in the database -> trained, exported, registered model."""
import json

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from ml_models.artifacts import Manifest
from ml_models.models import ModelVersion
from training.models import TrainingRun
from training.services import execute_run
from tests.test_pipeline_training import halves

pytestmark = pytest.mark.tensorflow


@pytest.fixture
def labelled_halves(db, tmp_path, settings):
    settings.MODELS_DIR = tmp_path / "models"
    root = tmp_path / "photos"
    images, labels = halves(80, size=48)
    for index, (image, label) in enumerate(zip(images, labels)):
        folder = root / ("cat" if label == 0 else "dog")
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{index}.png")
    call_command("import_images", str(root), "--label-from-folders", verbosity=0)
    return settings.MODELS_DIR


def test_train_registers_a_new_inactive_version_with_its_dataset(active_model, labelled_halves, tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"family": "student_cnn", "image_size": 48, "epochs": 5, "batch_size": 16,
                                  "patience": 0, "cv_folds": 0, "quantize": False}))
    call_command("train", "--config", str(config), verbosity=0)
    assert "student-cnn v1: test accuracy" in capsys.readouterr().out
    version = ModelVersion.objects.get(name="student-cnn")
    assert version.kind == "classifier" and not version.is_active
    assert ModelVersion.objects.get(is_active=True) == active_model  # training never activates anything
    folder = labelled_halves / "student-cnn" / "1"
    Manifest.read(folder).verify(folder)
    run = TrainingRun.objects.get()
    assert run.status == "succeeded" and run.model_version == version and run.parent_version == active_model
    assert len(run.dataset) == 80 and {item["label"] for item in run.dataset} == {"cat", "dog"}
    assert [row["epoch"] for row in run.history] == [1, 2, 3, 4, 5]
    assert version.metrics["splits"] == {"train": 56, "validation": 12, "test": 12}
    assert version.metrics["labels"] == 80

    assert execute_run(run.pk).model_version == version  # running the task again changes nothing
    assert ModelVersion.objects.filter(name="student-cnn").count() == 1

    call_command("train", "--config", str(config), verbosity=0)
    assert ModelVersion.objects.filter(name="student-cnn").count() == 2  # the next run is v2


def test_bad_config_and_no_data_are_clear_errors(db, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"family": "student_cnn", "epochs": 0}))
    with pytest.raises(CommandError, match="epochs must be at least 1"):  # named, whatever the language
        call_command("train", "--config", str(config), verbosity=0)
    with pytest.raises(CommandError, match="5"):
        call_command("train", "--preset", "smoke", verbosity=0)
