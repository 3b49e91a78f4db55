from django.conf import settings
from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from eduai.permissions import ReadOrAdmin
from ml_models import services
from ml_models.artifacts import Manifest
from ml_models.models import ModelVersion
from ml_models.serializers import ModelVersionOutput


class ModelListApi(generics.ListAPIView):
    queryset = ModelVersion.objects.select_related("training_run")
    serializer_class = ModelVersionOutput


class ModelDetailApi(generics.RetrieveAPIView):
    queryset = ModelVersion.objects.select_related("training_run")
    serializer_class = ModelVersionOutput


class ModelActivateApi(APIView):
    permission_classes = [ReadOrAdmin]

    @extend_schema(request=None, responses={200: ModelVersionOutput, 409: OpenApiResponse(description="refused")})
    def post(self, request, pk: int):
        version = generics.get_object_or_404(ModelVersion, pk=pk)
        version = services.activate_version(version=version, user=request.user)
        return Response(ModelVersionOutput(version).data)


class ModelRollbackApi(APIView):
    permission_classes = [ReadOrAdmin]

    @extend_schema(request=None, responses={200: ModelVersionOutput, 409: OpenApiResponse(description="refused")})
    def post(self, request):
        version = services.rollback(user=request.user)
        return Response(ModelVersionOutput(version).data)


class ModelFileApi(APIView):
    """Download one artifact of a version (only files listed, with their sha256, in its manifest)."""

    @extend_schema(responses={200: OpenApiResponse(description="the file")})
    def get(self, request, pk: int, file_name: str):
        version = generics.get_object_or_404(ModelVersion, pk=pk)
        folder = settings.MODELS_DIR / version.artifact_dir
        try:
            files = Manifest.read(folder).files
        except Exception as error:  # noqa: BLE001
            raise Http404 from error
        if file_name not in files:
            raise Http404
        response = FileResponse(open(folder / file_name, "rb"), as_attachment=True, filename=file_name)
        response["X-Checksum-Sha256"] = files[file_name]
        return response
