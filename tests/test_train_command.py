"""manage.py train: a class's labelled images in the database -> trained, exported, registered model; and job mode,
a folder of photos -> a version's files, without the database."""
import json
import shutil
from pathlib import Path

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
from training.management.commands.train import output_dir_from
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


# Job mode (--data-dir): the same pipeline on a folder of photos, as a cloud training job runs it. These tests
# have no `db` fixture, so pytest-django fails any of them that touches the database.

@pytest.fixture
def image_folder(tmp_path):
    """DIR/cat/, DIR/dog/ (40 halves at 48 px) and DIR/neither/ (12 dark pictures), as PNG files."""
    root = tmp_path / "photos"
    pictures, labels = halves(40, size=48)
    for index, (picture, label) in enumerate(zip(pictures, labels)):
        folder = root / ("cat" if label == 0 else "dog")
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(picture).save(folder / f"{index}.png")
    (root / "neither").mkdir()
    for index, picture in enumerate(halves(12, size=48, seed=3)[0] // 3):
        Image.fromarray(picture).save(root / "neither" / f"{index}.png")
    (root / "cat" / ".DS_Store").write_bytes(b"\0")  # not a picture: ignored
    return root


def test_job_mode_trains_from_folders_into_the_output_dir_without_the_database(image_folder, config_file, tmp_path,
                                                                              capsys):
    output = tmp_path / "model"
    call_command("train", "--config", str(config_file), "--data-dir", str(image_folder), "--output-dir", str(output),
                 verbosity=0)
    printed = capsys.readouterr().out
    assert "cat 20, dog 20, neither 12" in printed and "student-cnn v1: test accuracy" in printed
    manifest = Manifest.read(output)
    manifest.verify(output)
    assert manifest.name == "student-cnn" and manifest.metrics["splits"] == {"train": 28, "validation": 6, "test": 6}
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["images"] == {"cat": 20, "dog": 20, "neither": 12}
    assert metrics["test"]["accuracy"] == manifest.metrics["test"]["accuracy"]
    assert f"test_accuracy={metrics['test']['accuracy']:.4f}" in printed  # the line a cloud console reads

    with pytest.raises(CommandError, match="must be an empty folder"):  # never mixes two versions' files
        call_command("train", "--config", str(config_file), "--data-dir", str(image_folder), "--output-dir",
                     str(output), verbosity=0)


def test_job_mode_refuses_bad_folders_with_clear_errors(image_folder, config_file, tmp_path):
    def train(data_dir, *extra):
        call_command("train", "--config", str(config_file), "--data-dir", str(data_dir), "--output-dir",
                     str(tmp_path / "out"), *extra, verbosity=0)

    with pytest.raises(CommandError, match="is not a folder"):
        train(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match="no images for cat, dog"):
        train(tmp_path / "empty")
    shutil.rmtree(image_folder / "dog")
    with pytest.raises(CommandError, match="no images for dog"):
        train(image_folder)
    (image_folder / "bird").mkdir()
    with pytest.raises(CommandError, match="unknown class folders .*: bird"):
        train(image_folder)
    shutil.rmtree(image_folder / "bird")
    (image_folder / "dog").mkdir()
    shutil.copy(image_folder / "cat" / "0.png", image_folder / "dog" / "copy.png")
    with pytest.raises(CommandError, match="only one label"):
        train(image_folder)
    with pytest.raises(CommandError, match="--class"):
        train(image_folder, "--class", "1")
    with pytest.raises(CommandError, match="only with --data-dir"):
        call_command("train", "--preset", "smoke", "--output-dir", str(tmp_path / "out"), verbosity=0)
    assert not (tmp_path / "out").exists()


def test_job_mode_with_too_few_photos_fails_clearly_and_leaves_no_files(tmp_path, config_file):
    root = tmp_path / "photos"
    for seed, name in enumerate(("cat", "dog")):  # two pictures each: too few for a test split
        (root / name).mkdir(parents=True)
        for index, picture in enumerate(halves(2, size=48, seed=seed)[0]):
            Image.fromarray(picture).save(root / name / f"{index}.png")
    output = tmp_path / "model"
    with pytest.raises(CommandError, match="too few labelled images"):
        call_command("train", "--config", str(config_file), "--data-dir", str(root), "--output-dir", str(output),
                     verbosity=0)
    assert output.is_dir() and not any(output.iterdir())


def test_job_mode_writes_where_the_cloud_provider_says():
    assert output_dir_from(None, {"SM_MODEL_DIR": "/opt/ml/model"}) == Path("/opt/ml/model")
    # Vertex AI gives a Cloud Storage URI and mounts the buckets at /gcs/
    assert output_dir_from(None, {"AIP_MODEL_DIR": "gs://bucket/run/model/"}) == Path("/gcs/bucket/run/model")
    assert output_dir_from(Path("here"), {"AIP_MODEL_DIR": "gs://bucket/x"}) == Path("here")  # the option wins
    with pytest.raises(CommandError, match="--output-dir is required"):
        output_dir_from(None, {})
    with pytest.raises(CommandError, match="only a local folder"):
        output_dir_from(None, {"SM_MODEL_DIR": "s3://bucket/model"})
