import django.db.models.deletion
from django.db import migrations, models


def names_to_analyses(apps, schema_editor):
    """The file name belonged to the picture; it now belongs to each upload (its analysis)."""
    Analysis = apps.get_model("classifier", "Analysis")
    for analysis in Analysis.objects.select_related("image").iterator():
        analysis.original_name = analysis.image.original_name
        analysis.save(update_fields=["original_name"])


class Migration(migrations.Migration):

    dependencies = [
        ("classifier", "0001_initial"),
        ("eduai", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="analysis",
            name="original_name",
            field=models.CharField(blank=True, max_length=255, verbose_name="original file name"),
        ),
        migrations.AddField(
            model_name="analysis",
            name="classroom",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to="eduai.classroom", verbose_name="class",
                                    help_text="The class whose model answered (empty: the default model)."),
        ),
        migrations.AddField(
            model_name="analysis",
            name="tags_agree",
            field=models.BooleanField(default=True, verbose_name="tags agree with the answer"),
        ),
        migrations.RunPython(names_to_analyses, migrations.RunPython.noop),
    ]
