import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Versions and activations get a class (filled in by eduai 0003, made required by 0005)."""

    dependencies = [
        ("eduai", "0001_initial"),
        ("ml_models", "0003_activation"),
    ]

    operations = [
        migrations.AddField(
            model_name="modelversion",
            name="classroom",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="model_versions", to="eduai.classroom", verbose_name="class",
                                    help_text="The class it was trained from; empty for the pretrained model."),
        ),
        migrations.AddField(
            model_name="activation",
            name="classroom",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="activations", to="eduai.classroom", verbose_name="class"),
        ),
    ]
