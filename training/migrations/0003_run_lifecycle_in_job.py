import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A run's status, stage, progress, error and timings of its lifecycle now live in its job."""

    dependencies = [
        ("eduai", "0003_demo_class"),
        ("training", "0002_classes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="trainingrun",
            name="classroom",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="training_runs",
                                    to="eduai.classroom", verbose_name="class"),
        ),
        migrations.AlterField(
            model_name="trainingrun",
            name="job",
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="training_run",
                                       to="eduai.job", verbose_name="job"),
        ),
        migrations.RemoveField(model_name="trainingrun", name="status"),
        migrations.RemoveField(model_name="trainingrun", name="stage"),
        migrations.RemoveField(model_name="trainingrun", name="progress"),
        migrations.RemoveField(model_name="trainingrun", name="error"),
        migrations.RemoveField(model_name="trainingrun", name="cancel_requested"),
        migrations.RemoveField(model_name="trainingrun", name="started_at"),
        migrations.RemoveField(model_name="trainingrun", name="finished_at"),
    ]
