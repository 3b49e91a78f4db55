from django.db import migrations


class Migration(migrations.Migration):
    """After eduai 0003 gave bulk-uploaded pictures their name in the Demo class."""

    dependencies = [
        ("classifier", "0002_private_analyses"),
        ("eduai", "0003_demo_class"),
    ]

    operations = [
        migrations.RemoveField(model_name="storedimage", name="original_name"),
    ]
