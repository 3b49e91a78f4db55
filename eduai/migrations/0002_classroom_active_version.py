import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("eduai", "0001_initial"),
        ("ml_models", "0004_classes"),
    ]

    operations = [
        migrations.AddField(
            model_name="classroom",
            name="active_version",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="ml_models.modelversion", verbose_name="active model version",
                help_text="Empty: the pretrained model, every class's default. Changed only by activation and "
                          "rollback."),
        ),
    ]
