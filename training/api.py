from dataclasses import asdict

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from classifier.selectors import analysis_of
from eduai import jobs
from eduai.class_scope import ClassTeacherWrites
from eduai.errors import AppError, not_found
from eduai.models import Job
from eduai.serializers import JobOutput
from training import selectors, services
from training.models import TrainingRun
from training.pipeline.config import AugmentConfig
from training.serializers import PreviewInput, RunInput, RunOutput, TimeMachineOutput


def runs_of(classroom):
    jobs.reap_stale()
    return TrainingRun.objects.filter(classroom=classroom).select_related("job", "created_by", "model_version")


class RunListCreateApi(generics.ListAPIView):
    """The class's training runs; POST starts one in the worker (the class's teachers)."""

    serializer_class = RunOutput
    permission_classes = [ClassTeacherWrites]

    def get_queryset(self):
        return runs_of(self.classroom)

    @extend_schema(request=RunInput, responses={201: RunOutput})
    def post(self, request, class_id: int):
        data = RunInput(data=request.data)
        data.is_valid(raise_exception=True)
        config = services.build_config(config=data.validated_data.get("config"),
                                       preset_name=data.validated_data.get("preset"))
        run = services.start_run(classroom=self.classroom, config=config, user=request.user)
        return Response(RunOutput(run).data, status=status.HTTP_201_CREATED)


class RunDetailApi(generics.RetrieveAPIView):
    serializer_class = RunOutput
    permission_classes = [ClassTeacherWrites]

    def get_queryset(self):
        return runs_of(self.classroom)


class RunCancelApi(APIView):
    permission_classes = [ClassTeacherWrites]

    @extend_schema(request=None, responses={200: RunOutput})
    def post(self, request, class_id: int, pk: int):
        run = generics.get_object_or_404(runs_of(self.classroom), pk=pk)
        return Response(RunOutput(services.cancel_run(run=run)).data)


class RunTimeMachineApi(APIView):
    """The run's probe photos and, after every epoch, the model's answer and heatmap for each (the class's
    members; students see no gold picture and only pictures whose model answer the labeling rule shows them)."""

    permission_classes = [ClassTeacherWrites]

    @extend_schema(responses={200: TimeMachineOutput, 404: OpenApiResponse(
        description="Not a run of the class, or a run without a time machine (code `no_time_machine`: still "
                    "training, failed, or trained before the time machine existed).")})
    def get(self, request, class_id: int, pk: int):
        run = generics.get_object_or_404(runs_of(self.classroom), pk=pk)
        data = selectors.time_machine(run=run, user=request.user)
        if data is None:
            raise AppError("no_time_machine", selectors.no_time_machine_message(run), status.HTTP_404_NOT_FOUND)
        # already plain JSON (up to ~10^5 heatmap cells): serializing it field by field again would cost more
        # than the query; TimeMachineOutput documents it
        return Response(data)


class AugmentationPreviewApi(APIView):
    """Ask the worker for augmented versions of one of your pictures: a job only you can see; poll
    /api/v1/jobs/{id}/ until its result holds the images (PNG data URLs)."""

    @extend_schema(request=PreviewInput, responses={202: JobOutput})
    def post(self, request):
        data = PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        analysis = analysis_of(user=request.user, pk=data.validated_data["analysis"])
        if analysis is None:
            raise not_found(_("That analysis does not exist or is not yours."))
        augment = AugmentConfig(**data.validated_data.get("augment", {}))
        if augment.errors():
            raise AppError("invalid", "; ".join(augment.errors()))
        job = jobs.start_job(kind=Job.Kind.AUGMENTATION_PREVIEW, owner=request.user, params={
            "analysis": analysis.pk, "augment": asdict(augment), "seed": data.validated_data["seed"],
            "count": data.validated_data["count"]})
        return Response(JobOutput(job).data, status=status.HTTP_202_ACCEPTED)
