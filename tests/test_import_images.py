"""manage.py import_images: an ImageFolder tree through the upload checks, with labels."""
import pytest
from django.core.management import CommandError, call_command

from classifier.models import StoredImage
from labeling.models import Label
from tests import images


@pytest.fixture
def image_folder(tmp_path):
    root = tmp_path / "photos"
    for folder, files in {"cat": {"a.jpg": images.jpeg(64, 48), "b.png": images.rgba_png()},
                          "dog": {"c.jpg": images.jpeg(50, 40), "broken.jpg": images.truncated_jpeg()},
                          "perros": {"same-as-c.jpg": images.jpeg(50, 40)}}.items():
        (root / folder).mkdir(parents=True)
        for name, content in files.items():
            (root / folder / name).write_bytes(content)
    (root / "notes.txt").write_text("not an image")
    return root


def test_imports_labels_skips_bad_files_and_deduplicates(db, image_folder, media_root, make_user, capsys):
    teacher = make_user("teresa", "teacher")
    call_command("import_images", str(image_folder), "--label-from-folders", "--as", "teresa", verbosity=0)
    out, err = capsys.readouterr()
    assert "3 new images, 1 already stored, 1 skipped" in out
    assert "dog/broken.jpg" in err and ("damaged" in err or "dañada" in err)
    assert StoredImage.objects.count() == 3
    labels = {label.image.original_name: label.value for label in Label.objects.all()}
    assert labels == {"a.jpg": "cat", "b.png": "cat", "c.jpg": "dog"}
    assert set(Label.objects.values_list("strategy", "labeler", "user")) == {("dataset", "(dataset)", teacher.pk)}
    assert len([p for p in media_root.rglob("*") if p.is_file()]) == 3

    call_command("import_images", str(image_folder), "--label-from-folders", verbosity=0)  # again: nothing new
    assert "0 new images, 4 already stored" in capsys.readouterr().out
    assert StoredImage.objects.count() == 3


def test_unknown_label_folder_stops_before_importing_anything(db, tmp_path, media_root):
    (tmp_path / "hamsters").mkdir()
    (tmp_path / "hamsters" / "h.jpg").write_bytes(images.jpeg())
    with pytest.raises(CommandError, match="hamsters"):
        call_command("import_images", str(tmp_path), "--label-from-folders", verbosity=0)
    assert not StoredImage.objects.exists()


def test_without_labels_only_images_are_stored(db, image_folder):
    call_command("import_images", str(image_folder), verbosity=0)
    assert StoredImage.objects.count() == 3 and not Label.objects.exists()


def test_unknown_user_is_an_error(db, image_folder):
    with pytest.raises(CommandError, match="nobody"):
        call_command("import_images", str(image_folder), "--as", "nobody", verbosity=0)


def test_imported_images_are_scored_by_the_active_model(db, image_folder, active_model):
    from labeling.models import ImageScore

    call_command("import_images", str(image_folder), "--label-from-folders", verbosity=0)
    scores = ImageScore.objects.filter(model_version=active_model)
    assert scores.count() == StoredImage.objects.count() == 3
    assert all(sum(score.probabilities.values()) == pytest.approx(1.0, abs=1e-4) for score in scores)


def test_an_active_model_whose_files_are_missing_does_not_stop_an_import(db, image_folder, settings, tmp_path):
    from labeling.models import ImageScore
    from ml_models.models import ModelVersion
    from ml_models.runtime import ActiveModel

    ActiveModel.clear()
    settings.MODELS_DIR = tmp_path / "no-models-here"
    ModelVersion.objects.create(name="gone", version=1, kind="classifier", artifact_dir="gone/1", sha256="0" * 64,
                                is_active=True)
    call_command("import_images", str(image_folder), "--label-from-folders", verbosity=0)
    assert StoredImage.objects.count() == 3 and not ImageScore.objects.exists()
