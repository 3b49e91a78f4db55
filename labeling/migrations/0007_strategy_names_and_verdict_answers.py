"""The orders' names say what they rank; scores kept before get the analyzer's answer back.

0006 gave the scores it found the largest of their three shares as their answer, which says
"neither" whenever the unusual score beats cat·(1−u), far below the unusual threshold. A score's
answer is the version's verdict: neither from the threshold on, otherwise the likelier of cat and
dog, which is the larger of the two shares (both are multiplied by the same 1 − u)."""
from django.db import migrations, models


def answers_from_verdicts(apps, schema_editor):
    """Each score's answer by the analyzer's rule, with its version's unusual threshold; a score whose
    version has no threshold is deleted (scores are a cache: the worker scores the picture again)."""
    ImageScore = apps.get_model("labeling", "ImageScore")
    thresholds = {}
    for score in ImageScore.objects.select_related("model_version").iterator():
        version = score.model_version
        if version.pk not in thresholds:
            unusual = ((version.signature or {}).get("decision") or {}).get("unusual") or {}
            thresholds[version.pk] = unusual.get("threshold")
        threshold, shares = thresholds[version.pk], score.probabilities or {}
        if threshold is None or not {"cat", "dog", "neither"} <= set(shares):
            score.delete()
            continue
        answer = "neither" if shares["neither"] >= float(threshold) else ("cat" if shares["cat"] >= shares["dog"] else "dog")
        if answer != score.answer:
            score.answer = answer
            score.save(update_fields=["answer"])


class Migration(migrations.Migration):

    dependencies = [
        ('labeling', '0006_image_score_answer'),
        ('ml_models', '0003_activation'),
    ]

    operations = [
        migrations.AlterField(
            model_name='assignment',
            name='strategy',
            field=models.CharField(choices=[('random', 'random'), ('least_confidence', 'uncertainty: least confidence (1 − the largest share)'), ('margin', 'uncertainty: margin (smallest gap between the two largest shares)'), ('entropy', 'uncertainty: entropy of the three shares'), ('diversity', 'diversity (k-means on the embeddings)'), ('model_wrong', '“the model is wrong”'), ('dataset', 'dataset folder')], max_length=20),
        ),
        migrations.AlterField(
            model_name='label',
            name='strategy',
            field=models.CharField(choices=[('random', 'random'), ('least_confidence', 'uncertainty: least confidence (1 − the largest share)'), ('margin', 'uncertainty: margin (smallest gap between the two largest shares)'), ('entropy', 'uncertainty: entropy of the three shares'), ('diversity', 'diversity (k-means on the embeddings)'), ('model_wrong', '“the model is wrong”'), ('dataset', 'dataset folder')], max_length=20, verbose_name='strategy'),
        ),
        migrations.AlterField(
            model_name='labelingsettings',
            name='default_strategy',
            field=models.CharField(choices=[('random', 'random'), ('least_confidence', 'uncertainty: least confidence (1 − the largest share)'), ('margin', 'uncertainty: margin (smallest gap between the two largest shares)'), ('entropy', 'uncertainty: entropy of the three shares'), ('diversity', 'diversity (k-means on the embeddings)')], default='random', max_length=20, verbose_name='default order'),
        ),
        migrations.RunPython(answers_from_verdicts, migrations.RunPython.noop),
    ]
