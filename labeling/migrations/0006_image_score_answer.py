from django.db import migrations, models


def answers_from_probabilities(apps, schema_editor):
    """Scores kept before: their likeliest label (they belong to versions exported before the contract)."""
    ImageScore = apps.get_model("labeling", "ImageScore")
    for score in ImageScore.objects.iterator():
        score.answer = max(score.probabilities, key=score.probabilities.get) if score.probabilities else "neither"
        score.save(update_fields=["answer"])


class Migration(migrations.Migration):

    dependencies = [
        ("labeling", "0005_class_scope"),
    ]

    operations = [
        migrations.AddField(
            model_name="imagescore",
            name="answer",
            field=models.CharField(choices=[("cat", "cat"), ("dog", "dog"), ("neither", "neither")], default="neither",
                                   help_text="the version's verdict as a label: neither when it finds the picture unusual",
                                   max_length=10),
            preserve_default=False,
        ),
        migrations.RunPython(answers_from_probabilities, migrations.RunPython.noop),
    ]
