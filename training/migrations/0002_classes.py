import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("eduai", "0001_initial"),
        ("training", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainingrun",
            name="classroom",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="training_runs", to="eduai.classroom", verbose_name="class"),
        ),
        migrations.AddField(
            model_name="trainingrun",
            name="job",
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT,
                                       related_name="training_run", to="eduai.job", verbose_name="job"),
        ),
    ]
