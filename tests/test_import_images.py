"""manage.py import_images: an ImageFolder tree through the upload checks, with labels, into one
class's dataset (--class, needed when there is more than one class)."""
import pytest
from django.core.management import CommandError, call_command

from classifier.models import StoredImage
from eduai import classes
from labeling.models import ClassImage, ImageScore, Label
from labeling.selectors import final_labels
from ml_models import runtime
from ml_models.models import ModelVersion
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


@pytest.fixture
def other_class(make_user):
    return classes.create_class(name="2º ESO C", teacher=make_user("olga", "teacher"))


def files_on_disk(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


def names_in(classroom) -> dict[str, str]:
    """{file name in the class: its settled label, or ""}."""
    settled = final_labels(classroom)
    return {entry.original_name: settled.get(entry.image_id, "")
            for entry in ClassImage.objects.filter(classroom=classroom)}


def test_imports_labels_skips_bad_files_and_deduplicates(classroom, teacher, image_folder, media_root, capsys):
    call_command("import_images", str(image_folder), "--label-from-folders", "--as", "tere", verbosity=0)
    out, err = capsys.readouterr()
    assert "3 new images, 1 already stored, 1 skipped" in out
    assert "dog/broken.jpg" in err and ("damaged" in err or "dañada" in err)
    assert StoredImage.objects.count() == 3
    assert names_in(classroom) == {"a.jpg": "cat", "b.png": "cat", "c.jpg": "dog"}
    assert set(Label.objects.values_list("classroom", "strategy", "labeler", "user")) == {
        (classroom.pk, "dataset", "(dataset)", teacher.pk)}
    assert set(ClassImage.objects.values_list("shared_by", flat=True)) == {teacher.pk}
    assert len(files_on_disk(media_root)) == 3

    call_command("import_images", str(image_folder), "--label-from-folders", verbosity=0)  # again: nothing new
    assert "0 new images, 4 already stored" in capsys.readouterr().out
    assert StoredImage.objects.count() == 3 and ClassImage.objects.count() == 3


def test_with_several_classes_the_class_must_be_named_and_the_error_lists_them(
    classroom, other_class, image_folder, media_root
):
    with pytest.raises(CommandError) as refused:
        call_command("import_images", str(image_folder), "--label-from-folders", verbosity=0)
    message = str(refused.value)
    assert "--class" in message
    assert f"{classroom.pk}: 1º Bach A" in message and f"{other_class.pk}: 2º ESO C" in message
    assert not StoredImage.objects.exists() and files_on_disk(media_root) == []


@pytest.mark.parametrize("how", ["name", "id"])
def test_pictures_go_into_the_named_classs_dataset_only(classroom, other_class, image_folder, media_root, capsys, how):
    chosen = other_class.name if how == "name" else str(other_class.pk)

    call_command("import_images", str(image_folder), "--label-from-folders", "--class", chosen, verbosity=0)

    assert "3 new images, 1 already stored, 1 skipped" in capsys.readouterr().out
    assert names_in(other_class) == {"a.jpg": "cat", "b.png": "cat", "c.jpg": "dog"}
    assert names_in(classroom) == {}
    assert set(Label.objects.values_list("classroom", flat=True)) == {other_class.pk}


def test_the_same_folder_into_a_second_class_adds_the_pictures_there_without_new_files(
    classroom, other_class, image_folder, media_root, capsys
):
    call_command("import_images", str(image_folder), "--class", str(classroom.pk), verbosity=0)
    capsys.readouterr()

    call_command("import_images", str(image_folder), "--label-from-folders", "--class", str(other_class.pk), verbosity=0)

    assert "3 new images, 1 already stored" in capsys.readouterr().out  # new to that class
    assert StoredImage.objects.count() == 3 and len(files_on_disk(media_root)) == 3
    assert names_in(classroom) == {"a.jpg": "", "b.png": "", "c.jpg": ""}  # its labels stay where they were given
    assert names_in(other_class) == {"a.jpg": "cat", "b.png": "cat", "c.jpg": "dog"}


def test_a_class_that_is_not_there_is_an_error(classroom, image_folder):
    with pytest.raises(CommandError, match="'3º Z'"):
        call_command("import_images", str(image_folder), "--class", "3º Z", verbosity=0)
    assert not StoredImage.objects.exists()


def test_without_any_class_there_is_nowhere_to_import(db, image_folder):
    with pytest.raises(CommandError, match="--class.*none yet"):
        call_command("import_images", str(image_folder), verbosity=0)
    assert not StoredImage.objects.exists()


def test_unknown_label_folder_stops_before_importing_anything(classroom, tmp_path, media_root):
    (tmp_path / "hamsters").mkdir()
    (tmp_path / "hamsters" / "h.jpg").write_bytes(images.jpeg())
    with pytest.raises(CommandError, match="hamsters"):
        call_command("import_images", str(tmp_path), "--label-from-folders", verbosity=0)
    assert not StoredImage.objects.exists() and files_on_disk(media_root) == []


def test_without_labels_only_images_are_stored(classroom, image_folder):
    call_command("import_images", str(image_folder), verbosity=0)
    assert StoredImage.objects.count() == 3 and not Label.objects.exists()
    assert ClassImage.objects.filter(classroom=classroom).count() == 3


def test_unknown_user_is_an_error(classroom, image_folder):
    with pytest.raises(CommandError, match="nobody"):
        call_command("import_images", str(image_folder), "--as", "nobody", verbosity=0)
    assert not StoredImage.objects.exists()


def test_imported_images_are_scored_by_the_classs_model(classroom, image_folder, active_model):
    call_command("import_images", str(image_folder), "--label-from-folders", verbosity=0)
    scores = ImageScore.objects.filter(model_version=active_model)
    assert scores.count() == StoredImage.objects.count() == 3
    assert all(sum(score.probabilities.values()) == pytest.approx(1.0, abs=1e-4) for score in scores)


def test_a_class_model_whose_files_are_missing_does_not_stop_an_import(classroom, image_folder, settings, tmp_path):
    runtime.clear()
    settings.MODELS_DIR = tmp_path / "no-models-here"
    classroom.active_version = ModelVersion.objects.create(
        name="gone", version=1, kind="classifier", artifact_dir="gone/1", sha256="0" * 64, classroom=classroom)
    classroom.save()
    try:
        call_command("import_images", str(image_folder), "--label-from-folders", verbosity=0)
    finally:
        runtime.clear()
    assert StoredImage.objects.count() == 3 and not ImageScore.objects.exists()
    assert len(final_labels(classroom)) == 3
