import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import eduai.models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Classroom",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("join_code", models.CharField(default=eduai.models.new_join_code, max_length=16, unique=True,
                                               verbose_name="join code")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL,
                                                 verbose_name="created by")),
            ],
            options={"verbose_name": "class", "verbose_name_plural": "classes", "ordering": ["name", "id"]},
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("role", models.CharField(choices=[("teacher", "teacher"), ("student", "student")], default="student",
                                          max_length=10, verbose_name="role")),
                ("joined_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="joined")),
                ("classroom", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships",
                                                to="eduai.classroom", verbose_name="class")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships",
                                           to=settings.AUTH_USER_MODEL, verbose_name="user")),
            ],
            options={"verbose_name": "membership", "verbose_name_plural": "memberships"},
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(fields=("classroom", "user"), name="one_membership_per_class"),
        ),
        migrations.AddField(
            model_name="classroom",
            name="members",
            field=models.ManyToManyField(related_name="classrooms", through="eduai.Membership",
                                         to=settings.AUTH_USER_MODEL, verbose_name="members"),
        ),
        migrations.CreateModel(
            name="Profile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("current_class", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                    related_name="+", to="eduai.classroom",
                                                    verbose_name="current class")),
                ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="profile",
                                              to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name="Job",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("training", "training run"),
                                                   ("learning_curve", "learning-curve simulation"),
                                                   ("augmentation_preview", "augmentation preview"),
                                                   ("scoring", "scoring pictures")], max_length=30,
                                          verbose_name="kind")),
                ("status", models.CharField(choices=[("queued", "queued"), ("running", "running"),
                                                     ("succeeded", "succeeded"), ("failed", "failed"),
                                                     ("cancelled", "cancelled")], default="queued", max_length=10,
                                            verbose_name="status")),
                ("stage", models.CharField(blank=True, max_length=30, verbose_name="stage")),
                ("progress", models.FloatField(default=0.0, verbose_name="progress")),
                ("params", models.JSONField(blank=True, default=dict, verbose_name="parameters")),
                ("result", models.JSONField(blank=True, default=dict, verbose_name="result")),
                ("error_code", models.CharField(blank=True, max_length=40, verbose_name="error code")),
                ("error", models.TextField(blank=True, verbose_name="error")),
                ("cancel_requested", models.BooleanField(default=False, verbose_name="cancel requested")),
                ("reserved", models.JSONField(blank=True, default=list,
                                              help_text="Files and folders the job writes; removed if it fails.",
                                              verbose_name="reserved paths")),
                ("worker", models.CharField(blank=True, max_length=200, verbose_name="worker")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started")),
                ("heartbeat_at", models.DateTimeField(blank=True, null=True, verbose_name="last heartbeat")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished")),
                ("classroom", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                                related_name="jobs", to="eduai.classroom", verbose_name="class")),
                ("owner", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                            related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="started by")),
            ],
            options={"verbose_name": "background job", "verbose_name_plural": "background jobs",
                     "ordering": ["-created_at", "-id"]},
        ),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ),
        migrations.CreateModel(
            name="WorkerBeat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hostname", models.CharField(max_length=200, unique=True)),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_seen", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
    ]
