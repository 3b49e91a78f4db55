from dataclasses import asdict

from celery.result import AsyncResult
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from classifier.selectors import analysis_of
from eduai.errors import AppError, not_found
from eduai.permissions import ReadOrTeacher
from training import services
from training.models import TrainingRun
from training.pipeline.config import AugmentConfig
from training.serializers import PreviewInput, PreviewOutput, RunInput, RunOutput
from training.tasks import augmentation_preview


class RunListCreateApi(generics.ListAPIView):
    queryset = TrainingRun.objects.select_related("created_by", "model_version")
    serializer_class = RunOutput
    permission_classes = [ReadOrTeacher]

    @extend_schema(request=RunInput, responses={201: RunOutput})
    def post(self, request):
        data = RunInput(data=request.data)
        data.is_valid(raise_exception=True)
        config = services.build_config(config=data.validated_data.get("config"),
                                       preset_name=data.validated_data.get("preset"))
        run = services.start_run(config=config, user=request.user)
        return Response(RunOutput(run).data, status=status.HTTP_201_CREATED)


class RunDetailApi(generics.RetrieveAPIView):
    queryset = TrainingRun.objects.select_related("created_by", "model_version")
    serializer_class = RunOutput


class RunCancelApi(APIView):
    permission_classes = [ReadOrTeacher]

    @extend_schema(request=None, responses={200: RunOutput})
    def post(self, request, pk: int):
        run = generics.get_object_or_404(TrainingRun, pk=pk)
        run = services.cancel_run(run=run)
        return Response(RunOutput(run).data)


class AugmentationPreviewApi(APIView):
    """Ask the worker for augmented versions of one of your pictures; poll the result."""

    @extend_schema(request=PreviewInput, responses={202: PreviewOutput})
    def post(self, request):
        data = PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        analysis = analysis_of(user=request.user, pk=data.validated_data["analysis"])
        if analysis is None:
            raise not_found(_("That analysis does not exist or is not yours."))
        augment = AugmentConfig(**data.validated_data.get("augment", {}))
        if augment.errors():
            raise AppError("invalid", "; ".join(augment.errors()))
        task = augmentation_preview.delay(analysis.image_id, asdict(augment), seed=data.validated_data["seed"])
        token = services.preview_token(task_id=task.id, user=request.user)
        return Response({"task_id": token, "status": "pending", "images": []}, status=status.HTTP_202_ACCEPTED)


class AugmentationPreviewResultApi(APIView):
    @extend_schema(responses={200: PreviewOutput})
    def get(self, request, task_id: str):
        worker_task = services.preview_task(token=task_id, user=request.user)
        if worker_task is None:  # forged, or another person's preview: their photo is not yours to see
            raise not_found(_("That preview does not exist or is not yours."))
        result = AsyncResult(worker_task, app=augmentation_preview.app)
        if result.failed():
            return Response({"task_id": task_id, "status": "failed", "images": []})
        if not result.ready():
            return Response({"task_id": task_id, "status": "pending", "images": []})
        return Response({"task_id": task_id, "status": "done", "images": result.get()})
