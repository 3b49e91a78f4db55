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


def test_scores_kept_before_get_the_analyzers_answer_back_not_the_largest_share(active_model, classroom):
    """0006 gave old scores the largest of their three shares as answer; 0007 gives them the verdict."""
    import importlib

    from django.apps import apps

    from labeling.models import ImageScore
    from labeling.services import import_image
    from ml_models.models import ModelVersion
    from tests.images import jpeg

    threshold = active_model.signature["decision"]["unusual"]["threshold"]
    pictures = [import_image(classroom=classroom, content=jpeg(40 + i, 30), name=f"p{i}.jpg", value=None).image
                for i in range(4)]
    unreadable = ModelVersion.objects.create(name="old", version=1, kind="classifier", artifact_dir="x", sha256="0" * 64)
    kept = {  # shares, the answer 0006 gave, the version
        0: ({"cat": 0.38, "dog": 0.02, "neither": 0.6}, "neither", active_model),  # a cat below the threshold
        1: ({"cat": 0.01, "dog": 0.03, "neither": 0.96}, "neither", active_model),  # unusual: stays neither
        2: ({"cat": 0.1, "dog": 0.3, "neither": 0.6}, "neither", active_model),  # a dog
        3: ({"cat": 0.9, "dog": 0.05, "neither": 0.05}, "cat", unreadable),  # no threshold: scored again later
    }
    for i, (shares, answer, version) in kept.items():
        ImageScore.objects.create(image=pictures[i], model_version=version, probabilities=shares, answer=answer,
                                  embedding=b"")
    assert threshold > 0.6
    migration = importlib.import_module("labeling.migrations.0007_strategy_names_and_verdict_answers")
    migration.answers_from_verdicts(apps, None)
    answers = dict(ImageScore.objects.values_list("image_id", "answer"))
    assert answers == {pictures[0].pk: "cat", pictures[1].pk: "neither", pictures[2].pk: "dog"}
