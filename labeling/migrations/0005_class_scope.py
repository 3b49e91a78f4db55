import django.db.models.deletion
from django.db import migrations, models


def _required_class(related_name="+"):
    return models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name=related_name,
                             to="eduai.classroom", verbose_name="class")


class Migration(migrations.Migration):

    dependencies = [
        ("eduai", "0003_demo_class"),
        ("labeling", "0004_classes"),
    ]

    operations = [
        migrations.AlterField(model_name="label", name="classroom", field=_required_class("labels")),
        migrations.AlterField(model_name="skip", name="classroom", field=_required_class()),
        migrations.AlterField(model_name="assignment", name="classroom", field=_required_class()),
        migrations.AlterField(model_name="adjudication", name="classroom", field=_required_class()),
        migrations.AlterField(model_name="goldimage", name="classroom", field=_required_class()),
        migrations.AlterField(
            model_name="labelingsettings",
            name="classroom",
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="labeling_settings",
                                       to="eduai.classroom", verbose_name="class"),
        ),
        migrations.AddConstraint(
            model_name="label",
            constraint=models.UniqueConstraint(fields=("classroom", "image", "labeler"),
                                               name="one_label_per_class_image_and_labeler"),
        ),
        migrations.AddConstraint(
            model_name="skip",
            constraint=models.UniqueConstraint(fields=("classroom", "image", "user"),
                                               name="one_skip_per_class_image_and_user"),
        ),
        migrations.AddConstraint(
            model_name="assignment",
            constraint=models.UniqueConstraint(fields=("classroom", "user"), name="one_held_picture_per_class_and_user"),
        ),
        migrations.AddConstraint(
            model_name="adjudication",
            constraint=models.UniqueConstraint(fields=("classroom", "image"), name="one_adjudication_per_class_image"),
        ),
        migrations.AddConstraint(
            model_name="goldimage",
            constraint=models.UniqueConstraint(fields=("classroom", "image"), name="one_gold_answer_per_class_image"),
        ),
        migrations.DeleteModel(name="LearningCurve"),
    ]
