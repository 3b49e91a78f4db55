"""Upgrading an installation: labels imported before the labeling workflow keep settling their images."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_folder_labels_from_before_the_workflow_become_dataset_labels_and_student_labels_keep_their_name():
    executor = MigrationExecutor(connection)
    executor.migrate([("labeling", "0001_initial")])
    old = executor.loader.project_state([("labeling", "0001_initial")]).apps
    user = old.get_model("auth", "User").objects.create(username="teresa")
    image = old.get_model("classifier", "StoredImage").objects.create(
        sha256="a" * 64, file="images/aa/a.jpg", format="JPEG", width=1, height=1, size_bytes=1)
    other = old.get_model("classifier", "StoredImage").objects.create(
        sha256="b" * 64, file="images/bb/b.jpg", format="JPEG", width=1, height=1, size_bytes=1)
    OldLabel = old.get_model("labeling", "Label")
    OldLabel.objects.create(image=image, user=user, value="cat", source="import")
    OldLabel.objects.create(image=other, user=user, value="dog", source="student")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from labeling.models import DATASET_LABELER, Label
    from labeling.selectors import final_labels

    migrated = {label.image.sha256[0]: (label.labeler, label.strategy, label.value) for label in Label.objects.all()}
    assert migrated == {"a": (DATASET_LABELER, "dataset", "cat"), "b": ("teresa", "random", "dog")}
    assert list(final_labels().values()) == ["cat"]  # the folder label still settles its image
