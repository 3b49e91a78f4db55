"""eduai 0003: upgrading an installation from before classes. Its people and its labeling work move
into one class, "Demo"; a photo that was only analysed stays private to its owner; learning curves
and training runs become jobs; an old export does not become the class's active version."""
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation

DEMO_MIGRATION = ("eduai", "0003_demo_class")
BEFORE = [("eduai", "0002_classroom_active_version"), ("labeling", "0004_classes"), ("training", "0002_classes"),
          ("classifier", "0002_private_analyses"), ("ml_models", "0004_classes")]
OLD_CURVE = {"sizes": [10, 20], "random": [[0.6, 0.7]], "uncertainty": [[0.65, 0.8]], "test_size": 30}
OLD_CONFIG = {"family": "transfer", "epochs": 3, "image_size": 224}


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # what is applied now
    return executor


def latest() -> None:
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_the_state_before_is_what_the_demo_migration_needs_and_nothing_after_it():
    graph = MigrationExecutor(connection).loader.graph
    parents = {parent.key for parent in graph.node_map[DEMO_MIGRATION].parents}
    assert parents - {("auth", "0012_alter_user_first_name_max_length")} == set(BEFORE)
    for node in BEFORE:  # the next migration of each of these apps needs the demo migration first
        following = [child.key for child in graph.node_map[node].children if child.key[0] == node[0]]
        assert following and all(DEMO_MIGRATION in graph.forwards_plan(child) for child in following), node


def old_installation(apps) -> dict:
    """What an installation from before classes held, written with the models of that time."""
    Group, User = apps.get_model("auth", "Group"), apps.get_model("auth", "User")
    StoredImage, Analysis = apps.get_model("classifier", "StoredImage"), apps.get_model("classifier", "Analysis")
    ModelVersion = apps.get_model("ml_models", "ModelVersion")

    def get(name):
        return apps.get_model("labeling", name)

    def person(username, group=None, **flags):
        user = User.objects.create(username=username, **flags)
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
        return user

    people = {"sara": person("sara", "student"), "pablo": person("pablo", "student"), "nadie": person("nadie"),
              "tomas": person("tomas", "teacher"), "adela": person("adela", "admin"),
              "root": person("root", is_superuser=True, is_staff=True)}
    pretrained = ModelVersion.objects.create(name="imagenet-lite0", version=1, kind="imagenet_zero_shot",
                                             artifact_dir="imagenet-lite0/1", sha256="1" * 64)
    trained = ModelVersion.objects.create(  # exported before the model contract: no schema in its signature
        name="gatos-perros", version=3, kind="classifier", artifact_dir="gatos-perros/3", sha256="2" * 64,
        signature={"input": {"size": 224}, "classes": ["cat", "dog"]}, is_active=True)
    apps.get_model("ml_models", "Activation").objects.create(version=trained, previous=pretrained,
                                                             activated_by=people["adela"])

    def picture(letter, name, owner):
        return StoredImage.objects.create(sha256=letter * 64, file=f"images/{letter * 2}/{letter}.jpg", format="JPEG",
                                          width=64, height=48, size_bytes=100, original_name=name, uploaded_by=owner)

    def analysis(image, user):
        return Analysis.objects.create(
            user=user, image=image, original_name=image.original_name, model_version=pretrained, label="dog",
            probabilities={"cat": 0.1, "dog": 0.8, "unusual": 0.1}, unusual_score=0.1, unusual_threshold=0.5,
            tags=[], explanation={}, heatmap="heatmaps/x.png", timings_ms={})

    bulk = picture("b", "gato-de-la-carpeta.jpg", people["tomas"])  # imported for labeling: no analysis
    for labeler, value in (("sara", "cat"), ("nadie", "cat")):
        get("Label").objects.create(image=bulk, user=people[labeler], labeler=labeler, value=value, strategy="random")
    get("Skip").objects.create(image=bulk, user=people["pablo"])
    get("GoldImage").objects.create(image=bulk, value="dog", created_by=people["tomas"])
    get("Assignment").objects.create(image=bulk, user=people["pablo"], strategy="random",
                                     expires_at=timezone.now() + timedelta(minutes=5))

    private = picture("p", "mi-perro-en-casa.jpg", people["sara"])  # only analysed: sara's own photo
    analysis(private, people["sara"])

    labelled = picture("s", "selfie-con-perro.jpg", people["sara"])  # analysed, then labelled and decided
    analysis(labelled, people["sara"])
    get("Label").objects.create(image=labelled, user=people["sara"], labeler="sara", value="cat",
                                strategy="model_wrong")
    get("Adjudication").objects.create(image=labelled, value="dog", decided_by=people["tomas"])

    get("LabelingSettings").objects.create(labels_per_image=3, suggestion="never", default_strategy="margin")

    Curve = get("LearningCurve")
    Curve.objects.create(status="running", params={"repeats": 3}, result={"step": {"stage": "embed", "done": 4}},
                         created_by=people["tomas"])
    Curve.objects.create(status="done", params={"repeats": 5}, result=OLD_CURVE, created_by=people["tomas"],
                         finished_at=timezone.now())

    Run = apps.get_model("training", "TrainingRun")
    Run.objects.create(config=OLD_CONFIG, status="running", stage="fit", progress=0.4, created_by=people["adela"],
                       started_at=timezone.now(), parent_version=pretrained)
    Run.objects.create(config=OLD_CONFIG, status="succeeded", stage="done", progress=1.0, created_by=people["adela"],
                       results={"test": {"accuracy": 0.93}}, history=[{"epoch": 1, "loss": 0.4}],
                       model_version=trained, started_at=timezone.now(), finished_at=timezone.now())
    return {"bulk": bulk.pk, "private": private.pk, "labelled": labelled.pk, "trained": trained.pk,
            "pretrained": pretrained.pk}


@pytest.fixture
def upgraded(transactional_db):
    """An old installation, migrated to today: {what: id} of the things it held."""
    try:
        executor = migrate(BEFORE)
        made = old_installation(executor.loader.project_state(BEFORE).apps)
    finally:
        latest()  # whatever happened, the next tests find today's tables
    return made


def test_everyone_is_in_the_demo_class_with_their_role_and_it_is_their_current_class(upgraded):
    from django.contrib.auth.models import User

    from eduai import classes
    from eduai.models import Classroom, Membership

    demo, = Classroom.objects.all()
    assert demo.name == "Demo" and demo.join_code
    roles = dict(Membership.objects.filter(classroom=demo).values_list("user__username", "role"))
    assert roles == {"sara": "student", "pablo": "student", "nadie": "student",
                     "tomas": "teacher", "adela": "teacher", "root": "teacher"}
    for user in User.objects.all():
        assert classes.current_class(user) == demo and user.profile.current_class == demo


def test_labeling_work_settings_and_versions_belong_to_demo(upgraded):
    from eduai.models import Classroom
    from labeling import selectors
    from labeling.models import Adjudication, Assignment, GoldImage, Label, LabelingSettings, Skip
    from ml_models.models import Activation, ModelVersion

    demo = Classroom.objects.get(name="Demo")
    for model, count in ((Label, 3), (Skip, 1), (Assignment, 1), (Adjudication, 1), (GoldImage, 1), (Activation, 1)):
        assert list(model.objects.values_list("classroom", flat=True)) == [demo.pk] * count, model.__name__
    settings, = LabelingSettings.objects.all()
    assert (settings.classroom, settings.labels_per_image, settings.suggestion, settings.default_strategy) == (
        demo, 3, "never", "margin")
    assert ModelVersion.objects.get(pk=upgraded["trained"]).classroom == demo
    assert ModelVersion.objects.get(pk=upgraded["pretrained"]).classroom is None  # still everyone's
    # the gold answer settles the bulk picture, the adjudication the labelled photo
    assert selectors.final_labels(demo) == {upgraded["bulk"]: "dog", upgraded["labelled"]: "dog"}


def test_only_the_class_work_joins_demo_and_a_photo_only_analysed_stays_private(upgraded):
    from django.contrib.auth.models import User

    from classifier.models import Analysis, StoredImage
    from eduai import policies
    from eduai.models import Classroom
    from labeling.models import ClassImage

    demo = Classroom.objects.get(name="Demo")
    names = dict(ClassImage.objects.filter(classroom=demo).values_list("image_id", "original_name"))
    assert names == {upgraded["bulk"]: "gato-de-la-carpeta.jpg",  # uploaded for labeling: teachers see its name
                     upgraded["labelled"]: ""}  # somebody's photo: never its name
    assert ClassImage.objects.get(image_id=upgraded["bulk"]).shared_by.username == "tomas"
    assert not ClassImage.objects.filter(image_id=upgraded["private"]).exists()
    private = StoredImage.objects.get(pk=upgraded["private"])
    assert policies.can_see_picture(User.objects.get(username="sara"), private)
    for classmate in ("pablo", "tomas"):
        assert not policies.can_see_picture(User.objects.get(username=classmate), private), classmate
    # the owners keep their file names on their own analyses
    assert sorted(Analysis.objects.values_list("original_name", flat=True)) == [
        "mi-perro-en-casa.jpg", "selfie-con-perro.jpg"]


def test_learning_curves_become_jobs_and_the_one_running_failed_with_its_worker(upgraded):
    from eduai import jobs
    from eduai.models import Classroom, Job

    demo = Classroom.objects.get(name="Demo")
    curves = {job.params["repeats"]: job for job in Job.objects.filter(kind=Job.Kind.LEARNING_CURVE)}
    assert set(curves) == {3, 5}
    lost, done = curves[3], curves[5]
    assert {(job.classroom, job.owner.username) for job in curves.values()} == {(demo, "tomas")}
    assert (lost.status, lost.error_code, lost.result) == ("failed", "worker_lost", {})
    assert lost.finished_at is not None
    with translation.override("en"):
        assert "stopped before finishing" in jobs.error_message(lost)
    assert (done.status, done.error_code, done.result, done.progress) == ("succeeded", "", OLD_CURVE, 1.0)


def test_training_runs_get_jobs_and_the_one_running_failed_with_its_worker(upgraded):
    from eduai.models import Classroom, Job
    from training.models import TrainingRun

    demo = Classroom.objects.get(name="Demo")
    runs = {run.job.status: run for run in TrainingRun.objects.select_related("job")}
    assert set(runs) == {"failed", "succeeded"}
    lost, done = runs["failed"], runs["succeeded"]
    for run in (lost, done):
        assert (run.classroom, run.job.classroom, run.job.kind, run.job.owner.username) == (
            demo, demo, Job.Kind.TRAINING, "adela")
        assert run.job.params == {"config": OLD_CONFIG} and run.config == OLD_CONFIG
    assert (lost.job.error_code, lost.job.stage, lost.job.progress) == ("worker_lost", "fit", 0.4)
    assert lost.job.finished_at is not None
    assert (done.job.error_code, done.job.stage, done.job.progress) == ("", "done", 1.0)
    assert done.results == {"test": {"accuracy": 0.93}} and done.history == [{"epoch": 1, "loss": 0.4}]
    assert done.model_version_id == upgraded["trained"]


def test_the_old_active_version_is_not_demos_active_version(upgraded):
    from eduai.models import Classroom
    from ml_models.selectors import serving_version

    demo = Classroom.objects.get(name="Demo")
    assert demo.active_version is None  # its export predates the model contract: it cannot be served
    assert serving_version(classroom=demo) is None  # and the old pretrained export is no default either


@pytest.mark.django_db(transaction=True)
def test_a_fresh_database_gets_no_demo_class_from_the_migration():
    from eduai.models import Classroom, Job

    try:
        migrate(BEFORE)
    finally:
        latest()

    assert not Classroom.objects.exists() and not Job.objects.exists()
