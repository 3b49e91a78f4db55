"""Today's data moves into one class, "Demo", holding every existing user.

Before classes, every uploaded picture was the (single) class's data: the labeling gallery showed
analysed photos too. Photos are now private until shared, so only pictures that were the class's
work move into Demo: those uploaded or imported for labeling (no analysis), and analysed photos
that somebody already labelled, skipped, held, decided or marked gold. A photo that was only
analysed stays private to its owner. Jobs that were queued or running have no task to run them
any more (their tasks were renamed) and are marked failed.
"""
from django.db import migrations

DEMO = "Demo"
TEACHER_GROUPS = ("teacher", "admin")
CURVE_STATUS = {"queued": "failed", "running": "failed", "done": "succeeded", "failed": "failed"}
RUN_STATUS = {"queued": "failed", "running": "failed"}  # the others keep their name
LOST = "worker_lost"


def _needs_demo(apps) -> bool:
    User = apps.get_model("auth", "User")
    if User.objects.exists():
        return True
    return any(apps.get_model(app, model).objects.exists() for app, model in (
        ("classifier", "StoredImage"), ("labeling", "Label"), ("labeling", "LabelingSettings"),
        ("labeling", "LearningCurve"), ("training", "TrainingRun"), ("ml_models", "Activation")))


def forwards(apps, schema_editor):
    if not _needs_demo(apps):
        return  # a fresh installation: `create_demo_accounts` makes the Demo class
    Classroom = apps.get_model("eduai", "Classroom")
    Membership = apps.get_model("eduai", "Membership")
    Profile = apps.get_model("eduai", "Profile")
    Job = apps.get_model("eduai", "Job")
    User = apps.get_model("auth", "User")
    demo = Classroom.objects.create(name=DEMO)

    for user in User.objects.all():
        teaches = user.is_superuser or user.groups.filter(name__in=TEACHER_GROUPS).exists()
        Membership.objects.create(classroom=demo, user=user, role="teacher" if teaches else "student")
        Profile.objects.update_or_create(user=user, defaults={"current_class": demo})

    for app, model in (("labeling", "Label"), ("labeling", "Skip"), ("labeling", "Assignment"),
                       ("labeling", "Adjudication"), ("labeling", "GoldImage"), ("labeling", "LabelingSettings"),
                       ("ml_models", "Activation")):
        apps.get_model(app, model).objects.update(classroom=demo)
    apps.get_model("ml_models", "ModelVersion").objects.filter(kind="classifier").update(classroom=demo)

    _class_images(apps, demo)
    _learning_curves(apps, demo, Job)
    _training_runs(apps, demo, Job)
    # The version that was active keeps serving only if it follows today's model contract; an older
    # export cannot be served any more, and the class answers with the pretrained default.
    active = apps.get_model("ml_models", "ModelVersion").objects.filter(is_active=True).first()
    if active is not None and active.kind == "classifier" and (active.signature or {}).get("schema") == 2:
        demo.active_version = active
        demo.save(update_fields=["active_version"])


def _class_images(apps, demo) -> None:
    StoredImage = apps.get_model("classifier", "StoredImage")
    ClassImage = apps.get_model("labeling", "ClassImage")
    worked_on = set()
    for app, model in (("labeling", "Label"), ("labeling", "Skip"), ("labeling", "Assignment"),
                       ("labeling", "Adjudication"), ("labeling", "GoldImage")):
        worked_on |= set(apps.get_model(app, model).objects.values_list("image_id", flat=True))
    analysed = set(apps.get_model("classifier", "Analysis").objects.values_list("image_id", flat=True))
    for image in StoredImage.objects.all():
        if image.pk in analysed and image.pk not in worked_on:
            continue  # only analysed: stays private
        ClassImage.objects.create(classroom=demo, image=image, shared_by_id=image.uploaded_by_id,
                                  original_name="" if image.pk in analysed else image.original_name,
                                  added_at=image.created_at)


def _learning_curves(apps, demo, Job) -> None:
    for curve in apps.get_model("labeling", "LearningCurve").objects.all():
        status = CURVE_STATUS[curve.status]
        lost = curve.status in ("queued", "running")
        Job.objects.create(
            kind="learning_curve", classroom=demo, owner_id=curve.created_by_id, status=status,
            params=curve.params, result={} if lost else curve.result, error_code=LOST if lost else "",
            error=curve.error, progress=1.0 if status == "succeeded" else 0.0, created_at=curve.created_at,
            finished_at=curve.finished_at or (curve.created_at if lost else None))


def _training_runs(apps, demo, Job) -> None:
    for run in apps.get_model("training", "TrainingRun").objects.all():
        lost = run.status in RUN_STATUS
        run.job = Job.objects.create(
            kind="training", classroom=demo, owner_id=run.created_by_id, status=RUN_STATUS.get(run.status, run.status),
            stage=run.stage, progress=run.progress, error_code=LOST if lost else "", error=run.error,
            cancel_requested=run.cancel_requested, created_at=run.created_at, started_at=run.started_at,
            finished_at=run.finished_at or (run.created_at if lost else None),
            params={"config": run.config})
        run.classroom = demo
        run.save(update_fields=["job", "classroom"])


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("classifier", "0002_private_analyses"),
        ("eduai", "0002_classroom_active_version"),
        ("labeling", "0004_classes"),
        ("ml_models", "0004_classes"),
        ("training", "0002_classes"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
