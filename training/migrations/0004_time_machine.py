import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The overfitting time machine of a run: its probes and their answers after every epoch (runs made
    before it have none)."""

    dependencies = [
        ("training", "0003_run_lifecycle_in_job"),
    ]

    operations = [
        migrations.CreateModel(
            name="TimeMachine",
            fields=[
                ("run", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                             related_name="time_machine", serialize=False, to="training.trainingrun",
                                             verbose_name="training run")),
                ("probes", models.JSONField(default=list, verbose_name="probes")),
                ("epochs", models.JSONField(default=list, verbose_name="answers per epoch")),
                ("timings_ms", models.JSONField(default=list, verbose_name="recording time per epoch (ms)")),
            ],
            options={"verbose_name": "time machine", "verbose_name_plural": "time machines"},
        ),
    ]
