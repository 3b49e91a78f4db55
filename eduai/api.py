"""API for classes (create, join, list, members), the caller (/me/) and background jobs."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from eduai import classes, jobs, policies
from eduai.class_scope import ClassTeacher, InClass
from eduai.errors import AppError, not_found
from eduai.models import Job, Membership
from eduai.permissions import is_admin, is_teacher
from eduai.roles import ADMIN, STUDENT, TEACHER
from eduai.serializers import (
    ClassCreated,
    ClassInput,
    ClassOutput,
    JobOutput,
    JoinInput,
    MeInput,
    MemberInput,
    MemberOutput,
    MeOutput,
)


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ClassListCreateApi(generics.ListAPIView):
    """Your classes (every class for admins); POST creates one (teachers and admins)."""

    serializer_class = ClassOutput
    pagination_class = None

    def get_queryset(self):
        return classes.classes_of(self.request.user)

    @extend_schema(request=ClassInput, responses={201: ClassCreated})
    def post(self, request):
        classroom = classes.create_class(name=validated(ClassInput, request.data)["name"], teacher=request.user)
        return Response(ClassCreated(classroom).data, status=status.HTTP_201_CREATED)


class ClassJoinApi(APIView):
    """Join a class with the code its teacher shared; you join as a student."""

    @extend_schema(request=JoinInput, responses={200: ClassOutput})
    def post(self, request):
        classroom = classes.join_class(user=request.user, join_code=validated(JoinInput, request.data)["join_code"])
        return Response(ClassOutput(classroom, context={"request": request}).data)


class ClassDetailApi(APIView):
    """One of your classes; its teachers rename it (PATCH {"name"})."""

    permission_classes = [InClass]

    @extend_schema(responses={200: ClassOutput})
    def get(self, request, class_id: int):
        return Response(ClassOutput(self.classroom, context={"request": request}).data)

    @extend_schema(request=ClassInput, responses={200: ClassOutput})
    def patch(self, request, class_id: int):
        if not policies.can_teach(request.user, self.classroom):
            raise AppError("permission_denied", policies_denied(), 403)
        classes.rename_class(classroom=self.classroom, name=validated(ClassInput, request.data)["name"])
        return Response(ClassOutput(self.classroom, context={"request": request}).data)


def policies_denied() -> str:
    return _("Only the class's teachers can do this.")


class ClassJoinCodeApi(APIView):
    """A new join code for the class (teachers): the old one stops working."""

    permission_classes = [ClassTeacher]

    @extend_schema(request=None, responses={200: ClassCreated})
    def post(self, request, class_id: int):
        return Response(ClassCreated(classes.new_code_for(classroom=self.classroom)).data)


class MemberListApi(generics.ListAPIView):
    """The class's teachers and students (teachers see this)."""

    serializer_class = MemberOutput
    permission_classes = [ClassTeacher]
    pagination_class = None

    def get_queryset(self):
        return classes.members_of(self.classroom)


class MemberDetailApi(APIView):
    """Change someone's role in the class, or take them out of it (teachers)."""

    permission_classes = [ClassTeacher]

    def _membership(self, user_id) -> Membership:
        membership = classes.members_of(self.classroom).filter(user_id=user_id).first()
        if membership is None:
            raise not_found()
        return membership

    @extend_schema(request=MemberInput, responses={200: MemberOutput})
    def patch(self, request, class_id: int, user_id: int):
        membership = classes.set_member_role(classroom=self.classroom, membership=self._membership(user_id),
                                             role=validated(MemberInput, request.data)["role"])
        return Response(MemberOutput(membership).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, class_id: int, user_id: int):
        classes.remove_member(classroom=self.classroom, membership=self._membership(user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def me_payload(request) -> dict:
    user = request.user
    current = classes.current_class(user)
    role = ADMIN if is_admin(user) else TEACHER if is_teacher(user) else STUDENT
    return {  # the shape of MeOutput (which documents it)
        "username": user.get_username(), "role": role,
        "classes": ClassOutput(classes.classes_of(user), many=True, context={"request": request}).data,
        "current_class": current.pk if current else None,
    }


class MeApi(APIView):
    """Who you are, your classes and the current one; PATCH {"current_class": id} changes it."""

    @extend_schema(responses={200: MeOutput})
    def get(self, request):
        return Response(me_payload(request))

    @extend_schema(request=MeInput, responses={200: MeOutput})
    def patch(self, request):
        classroom = classes.class_for(request.user, validated(MeInput, request.data)["current_class"])
        classes.set_current_class(user=request.user, classroom=classroom)
        return Response(me_payload(request))


def visible_job(request, pk) -> Job:
    jobs.reap_stale()
    job = Job.objects.filter(pk=pk).select_related("owner", "classroom").first()
    if job is None or not policies.can_see_job(request.user, job):
        raise not_found()
    return job


class JobDetailApi(APIView):
    """One background job: the same shape for every kind. Poll it until `status` is finished."""

    @extend_schema(responses={200: JobOutput})
    def get(self, request, pk: int):
        return Response(JobOutput(visible_job(request, pk)).data)


class JobCancelApi(APIView):
    """Cancel a job: queued or with a dead worker at once, running at its next check."""

    @extend_schema(request=None, responses={200: JobOutput})
    def post(self, request, pk: int):
        job = visible_job(request, pk)
        if not policies.can_cancel_job(request.user, job):
            raise AppError("permission_denied", policies_denied(), 403)
        return Response(JobOutput(jobs.cancel(job)).data)
