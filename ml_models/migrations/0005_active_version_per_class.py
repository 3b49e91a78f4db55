import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The active version is now each class's (Classroom.active_version), set by eduai 0003."""

    dependencies = [
        ("eduai", "0003_demo_class"),
        ("ml_models", "0004_classes"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="modelversion", name="one_active_model"),
        migrations.RemoveField(model_name="modelversion", name="is_active"),
        migrations.AlterField(
            model_name="activation",
            name="classroom",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="activations",
                                    to="eduai.classroom", verbose_name="class"),
        ),
    ]
