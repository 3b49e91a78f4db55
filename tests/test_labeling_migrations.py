"""Upgrading an installation: labels imported before the labeling workflow keep settling their images,
now in the "Demo" class that eduai 0003 makes for the data from before classes."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OLD = [("labeling", "0001_initial")]


def migrate_to_latest():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_folder_labels_from_before_the_workflow_become_dataset_labels_and_student_labels_keep_their_name():
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(OLD)
        old = executor.loader.project_state(OLD).apps
        user = old.get_model("auth", "User").objects.create(username="teresa")
        StoredImage = old.get_model("classifier", "StoredImage")
        image = StoredImage.objects.create(sha256="a" * 64, file="images/aa/a.jpg", format="JPEG", width=1, height=1,
                                           size_bytes=1, original_name="gato-de-carpeta.jpg")
        other = StoredImage.objects.create(sha256="b" * 64, file="images/bb/b.jpg", format="JPEG", width=1, height=1,
                                           size_bytes=1)
        OldLabel = old.get_model("labeling", "Label")
        OldLabel.objects.create(image=image, user=user, value="cat", source="import")
        OldLabel.objects.create(image=other, user=user, value="dog", source="student")
    finally:
        migrate_to_latest()  # whatever happened, the next tests find today's tables

    from eduai.models import Classroom
    from labeling.models import DATASET_LABELER, ClassImage, Label
    from labeling.selectors import final_labels

    demo = Classroom.objects.get(name="Demo")
    migrated = {label.image.sha256[0]: (label.labeler, label.strategy, label.value, label.classroom)
                for label in Label.objects.all()}
    assert migrated == {"a": (DATASET_LABELER, "dataset", "cat", demo), "b": ("teresa", "random", "dog", demo)}
    assert {entry.image.sha256[0]: entry.original_name for entry in ClassImage.objects.filter(classroom=demo)} == {
        "a": "gato-de-carpeta.jpg", "b": ""}
    settled = final_labels(demo)
    assert [(ClassImage.objects.get(image_id=pk).image.sha256[0], value) for pk, value in settled.items()] == [
        ("a", "cat")]  # the folder label still settles its picture; one vote does not
