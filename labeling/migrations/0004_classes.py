import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _class_field(related_name="+", verbose_name="class"):
    return models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name=related_name,
                             to="eduai.classroom", verbose_name=verbose_name)


class Migration(migrations.Migration):
    """Every labeling table gets a class (filled in by eduai 0003, made required by 0005)."""

    dependencies = [
        ("classifier", "0002_private_analyses"),
        ("eduai", "0002_classroom_active_version"),
        ("labeling", "0003_workflow_tables"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ClassImage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("original_name", models.CharField(blank=True, max_length=255, verbose_name="original file name",
                                                   help_text="Only for pictures uploaded into the class; teachers see it.")),
                ("added_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="added")),
                ("classroom", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="images",
                                                to="eduai.classroom", verbose_name="class")),
                ("image", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="class_images",
                                            to="classifier.storedimage", verbose_name="image")),
                ("shared_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="shared by")),
            ],
            options={"verbose_name": "class picture", "verbose_name_plural": "class pictures"},
        ),
        migrations.AddConstraint(
            model_name="classimage",
            constraint=models.UniqueConstraint(fields=("classroom", "image"), name="one_picture_per_class"),
        ),
        migrations.RemoveConstraint(model_name="label", name="one_label_per_image_and_labeler"),
        migrations.RemoveConstraint(model_name="skip", name="one_skip_per_image_and_user"),
        migrations.AddField(model_name="label", name="classroom", field=_class_field("labels")),
        migrations.AddField(model_name="skip", name="classroom", field=_class_field()),
        migrations.AddField(model_name="assignment", name="classroom", field=_class_field()),
        migrations.AddField(model_name="adjudication", name="classroom", field=_class_field()),
        migrations.AddField(model_name="goldimage", name="classroom", field=_class_field()),
        migrations.AddField(
            model_name="labelingsettings",
            name="classroom",
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.CASCADE,
                                       related_name="labeling_settings", to="eduai.classroom", verbose_name="class"),
        ),
        migrations.AlterField(
            model_name="assignment",
            name="user",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name="adjudication",
            name="image",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="adjudications",
                                    to="classifier.storedimage", verbose_name="image"),
        ),
        migrations.AlterField(
            model_name="goldimage",
            name="image",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="golds",
                                    to="classifier.storedimage", verbose_name="image"),
        ),
    ]
