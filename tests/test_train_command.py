"""manage.py train: a class's labelled images in the database -> trained, exported, registered model."""
import json
import shutil

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from eduai import classes
from labeling.models import ImageScore
from ml_models.core.artifacts import Manifest
from ml_models.models import ModelVersion
from ml_models.networks import pretrained
from ml_models.selectors import serving_version
from tests.test_pipeline_training import halves
from training.models import TrainingRun
from training.services import execute_run

pytestmark = pytest.mark.tensorflow

CONFIG = {"family": "student_cnn", "image_size": 48, "epochs": 5, "batch_size": 16, "patience": 0, "cv_folds": 0,
          "quantize": False}


@pytest.fixture
def labelled_halves(active_model, classroom, tmp_path, settings, model_folder):
    """80 pictures of halves imported into the only class, labelled by their folders (and scored by the
    pretrained version, which answers for the class)."""
    settings.MODELS_DIR = tmp_path / "models"
    shutil.copytree(model_folder, pretrained.artifact_dir(settings.MODELS_DIR))
    root = tmp_path / "photos"
    pictures, labels = halves(80, size=48)
    for index, (picture, label) in enumerate(zip(pictures, labels)):
        folder = root / ("cat" if label == 0 else "dog")
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(picture).save(folder / f"{index}.png")
    call_command("import_images", str(root), "--label-from-folders", verbosity=0)
    assert ImageScore.objects.filter(model_version=active_model).count() == 80
    return settings.MODELS_DIR


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(CONFIG))
    return path


def test_train_registers_a_new_inactive_version_of_the_class_with_its_dataset(active_model, classroom, teacher,
                                                                             labelled_halves, config_file, capsys):
    call_command("train", "--config", str(config_file), verbosity=0)  # the only class: no need to name it
    assert "student-cnn v1: test accuracy" in capsys.readouterr().out
    version = ModelVersion.objects.get(name="student-cnn")
    assert version.kind == "classifier" and version.classroom == classroom
    assert serving_version(classroom=classroom) == active_model  # training never activates anything
    folder = labelled_halves / "student-cnn" / "1"
    Manifest.read(folder).verify(folder)
    run = TrainingRun.objects.select_related("job").get()
    assert run.classroom == classroom and run.job.status == "succeeded" and run.job.classroom == classroom
    assert run.model_version == version and run.parent_version == active_model
    assert len(run.dataset) == 80 and {item["label"] for item in run.dataset} == {"cat", "dog"}
    assert [row["epoch"] for row in run.history] == [1, 2, 3, 4, 5]
    assert version.metrics["splits"] == {"train": 56, "validation": 12, "test": 12}
    assert version.metrics["labels"] == 80

    assert execute_run(run).model_version == version  # running the job again changes nothing
    assert ModelVersion.objects.filter(name="student-cnn").count() == 1

    other = classes.create_class(name="2º Bach B", teacher=teacher)  # now the command must be told which class
    with pytest.raises(CommandError, match="--class"):
        call_command("train", "--config", str(config_file), verbosity=0)
    with pytest.raises(CommandError, match="5"):  # the other class has no labelled pictures of its own
        call_command("train", "--config", str(config_file), "--class", str(other.pk), verbosity=0)
    assert TrainingRun.objects.count() == 1

    call_command("train", "--config", str(config_file), "--class", classroom.name, verbosity=0)
    second = ModelVersion.objects.get(name="student-cnn", version=2)  # the next run is v2
    assert second.classroom == classroom and TrainingRun.objects.get(model_version=second).classroom == classroom
    assert serving_version(classroom=other) == active_model


def test_bad_config_no_data_and_an_unknown_class_are_clear_errors(classroom, config_file, tmp_path):
    config = tmp_path / "bad.json"
    config.write_text(json.dumps({"family": "student_cnn", "epochs": 0}))
    with pytest.raises(CommandError, match="epochs must be at least 1"):  # named, whatever the language
        call_command("train", "--config", str(config), verbosity=0)
    with pytest.raises(CommandError, match="5"):
        call_command("train", "--preset", "smoke", verbosity=0)
    with pytest.raises(CommandError, match="no single class"):
        call_command("train", "--config", str(config_file), "--class", "3º ESO", verbosity=0)
    assert not TrainingRun.objects.exists()
