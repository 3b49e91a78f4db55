"""Labels get a labeler name and a strategy (the old `source` becomes strategy "dataset" for folder
imports); the labeling workflow's tables are added."""
from django.db import migrations, models

DATASET_LABELER = "(dataset)"


def names_and_strategies(apps, schema_editor):
    Label = apps.get_model("labeling", "Label")
    for label in Label.objects.select_related("user"):
        if label.source == "import":
            label.labeler, label.strategy = DATASET_LABELER, "dataset"
        else:
            label.labeler = label.user.username if label.user else f"user-{label.pk}"
            label.strategy = "random"
        label.save(update_fields=["labeler", "strategy"])


class Migration(migrations.Migration):

    dependencies = [
        ("labeling", "0001_initial"),
    ]

    operations = [
        migrations.AddField("label", "labeler", models.CharField(default="", max_length=150)),
        migrations.AddField("label", "strategy", models.CharField(default="dataset", max_length=20)),
        migrations.RunPython(names_and_strategies, migrations.RunPython.noop),
        migrations.RemoveConstraint("label", "one_label_per_image_source_user"),
        migrations.RemoveField("label", "source"),
    ]
