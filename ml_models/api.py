from django.conf import settings
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from eduai import policies
from eduai.class_scope import InClass
from eduai.errors import AppError, not_found
from ml_models import selectors, services
from ml_models.core.artifacts import Manifest
from ml_models.models import ModelVersion
from ml_models.serializers import ModelVersionOutput


def _admins_only(request) -> None:
    from django.utils.translation import gettext as _

    if not policies.can_manage_models(request.user):
        raise AppError("permission_denied", _("Only admins change which model a class uses."), 403)


class ClassModelListApi(generics.ListAPIView):
    """The versions a class can use (the pretrained ones and those trained from its labels); `is_active`
    marks the one that answers for it now."""

    serializer_class = ModelVersionOutput
    permission_classes = [InClass]

    def get_queryset(self):
        return selectors.versions_for(self.classroom)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "serving": selectors.serving_version(classroom=self.classroom)}


class ClassModelActivateApi(APIView):
    """Make a version the class's active one (admins); checked first, refused with 409 if it cannot serve."""

    permission_classes = [InClass]

    @extend_schema(request=None, responses={200: ModelVersionOutput, 409: OpenApiResponse(description="refused")})
    def post(self, request, class_id: int, pk: int):
        _admins_only(request)
        version = selectors.versions_for(self.classroom).filter(pk=pk).first()
        if version is None:
            raise not_found()
        version = services.activate_version(version=version, classroom=self.classroom, user=request.user)
        return Response(ModelVersionOutput(version, context={"serving": version}).data)


class ClassModelRollbackApi(APIView):
    """Go back to the version that answered for the class before (admins)."""

    permission_classes = [InClass]

    @extend_schema(request=None, responses={200: ModelVersionOutput, 409: OpenApiResponse(description="refused")})
    def post(self, request, class_id: int):
        _admins_only(request)
        version = services.rollback(classroom=self.classroom, user=request.user)
        return Response(ModelVersionOutput(version, context={"serving": version}).data)


def _visible_version(request, pk) -> ModelVersion:
    version = ModelVersion.objects.select_related("training_run").filter(pk=pk).first()
    if version is None or not policies.can_see_version(request.user, version):
        raise not_found()
    return version


class ModelDetailApi(APIView):
    """One version: its signature (the whole contract of its answer), metrics and files."""

    @extend_schema(responses={200: ModelVersionOutput})
    def get(self, request, pk: int):
        return Response(ModelVersionOutput(_visible_version(request, pk)).data)


class ModelFileApi(APIView):
    """Download one artifact of a version (only files listed, with their sha256, in its manifest). The
    pretrained versions' files are public (the edge page runs them for anonymous visitors too); a trained
    version's stay its class's. With `?sha256=` equal to the file's, the answer may be cached for a year
    (publicly for the pretrained versions, privately otherwise): the same name and hash never change."""

    permission_classes = []

    @extend_schema(parameters=[OpenApiParameter("sha256", str, description="the file's sha256, for caching")],
                   responses={200: OpenApiResponse(description="the file")})
    def get(self, request, pk: int, file_name: str):
        version = ModelVersion.objects.filter(pk=pk).first()
        if version is None or not policies.can_run_version(request.user, version):
            raise not_found()
        folder = settings.MODELS_DIR / version.artifact_dir
        try:
            files = Manifest.read(folder).files
        except Exception as error:  # noqa: BLE001
            raise not_found() from error
        if file_name not in files:
            raise not_found()
        response = FileResponse(open(folder / file_name, "rb"), as_attachment=True, filename=file_name)
        response["X-Checksum-Sha256"] = files[file_name]
        if request.query_params.get("sha256") == files[file_name]:
            scope = "public" if version.classroom_id is None else "private"
            response["Cache-Control"] = f"{scope}, max-age=31536000, immutable"
        return response
