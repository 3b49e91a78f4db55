from rest_framework import serializers

from eduai import jobs
from eduai.models import Classroom, Job, Membership


class JobOutput(serializers.ModelSerializer):
    """One shape for every background job; `result` is the kind's own (see its API for details)."""

    kind_display = serializers.CharField(source="get_kind_display")
    status_display = serializers.CharField(source="get_status_display")
    stage_display = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField(help_text="in the reader's language when the error is a known one")
    owner = serializers.CharField(source="owner.username", default=None)
    result = serializers.SerializerMethodField()
    waiting_for_worker = serializers.SerializerMethodField(
        help_text="queued while no background worker is running: it starts when one does")

    class Meta:
        model = Job
        fields = ["id", "kind", "kind_display", "classroom", "owner", "status", "status_display", "stage",
                  "stage_display", "progress", "error_code", "error", "cancel_requested", "result",
                  "waiting_for_worker", "created_at", "started_at", "heartbeat_at", "finished_at"]

    def get_stage_display(self, job) -> str:
        return jobs.stage_label(job)

    def get_error(self, job) -> str:
        return jobs.error_message(job)

    def get_result(self, job) -> dict:
        return {key: value for key, value in job.result.items() if key != "traceback"}

    def get_waiting_for_worker(self, job) -> bool:
        return job.status == Job.Status.QUEUED and not jobs.worker_alive()


class ClassCreated(serializers.ModelSerializer):
    class Meta:
        model = Classroom
        fields = ["id", "name", "join_code"]


class ClassOutput(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="your role in the class: teacher or student")

    class Meta:
        model = Classroom
        fields = ["id", "name", "join_code", "role"]

    def get_role(self, classroom) -> str | None:
        from eduai import policies

        return policies.role_in(self.context["request"].user, classroom)


class ClassInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="shown to the class's members")


class JoinInput(serializers.Serializer):
    join_code = serializers.CharField(max_length=32, help_text="as the teacher shared it; case, spaces and dashes "
                                                               "do not matter")


class MemberOutput(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ["user", "username", "role", "joined_at"]


class MemberInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class MeOutput(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=["student", "teacher", "admin"])
    classes = ClassOutput(many=True)
    current_class = serializers.IntegerField(allow_null=True)


class MeInput(serializers.Serializer):
    current_class = serializers.IntegerField(help_text="one of your classes")
