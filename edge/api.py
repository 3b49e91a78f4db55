"""Edge API: the version the browser runs, the server's answers to compare the browser's with, the class's
test set and the class's device measurements. Errors are `{"code", "detail"}` in the user's language."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from edge import serializers as io
from edge import services
from eduai import policies
from eduai.class_scope import InClass
from eduai.errors import AppError

ERRORS = {400: OpenApiResponse(description="invalid input ({code, detail, field})"),
          404: OpenApiResponse(description="not your class, or no such version")}


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class EdgeModelApi(APIView):
    """The version the edge page runs, its signature and its ONNX files (FP32 and INT8). Without `class`
    (and for anonymous visitors) the global pretrained version; with it, that class's active version, for
    its members only."""

    permission_classes = []

    @extend_schema(parameters=[OpenApiParameter("class", int, description="a class you are in")],
                   responses={200: io.ModelInfoOutput, **ERRORS})
    def get(self, request):
        return Response(services.model_info(request.user, request.query_params.get("class")))


class ServerAnswersApi(APIView):
    """The server's answers (by the version named) on photos you may see, by their sha256; the others, and
    every one for anonymous visitors, come back in "unknown"."""

    permission_classes = []

    @extend_schema(request=io.ServerAnswersInput, responses={200: io.ServerAnswersOutput, **ERRORS})
    def post(self, request):
        data = _valid(io.ServerAnswersInput, request.data)
        return Response(services.server_answers(request.user, version_id=data["version"], hashes=data["sha256"]))


class EdgeTestSetApi(APIView):
    """The photos the class's active version is measured on in the compression lab: its test split (a
    trained version) or the test part of the class's settled photos (the pretrained one), by sha256, each
    with its settled label and the server's answer."""

    permission_classes = [InClass]

    @extend_schema(parameters=[io.TestSetQuery], responses={200: io.TestSetOutput, **ERRORS})
    def get(self, request, class_id: int):
        query = _valid(io.TestSetQuery, request.query_params)
        return Response(services.test_set(classroom=self.classroom, user=request.user, limit=query["limit"]))


class DeviceMeasurementListApi(APIView):
    """The class's devices: how fast and how faithfully each ran the model in the browser (newest first, at
    most 200); POST stores yours (numbers only, never a photo; you keep your latest 20 in the class)."""

    permission_classes = [InClass]

    @extend_schema(responses={200: io.MeasurementListOutput, **ERRORS})
    def get(self, request, class_id: int):
        teaching = policies.can_teach(request.user, self.classroom)
        return Response({"results": [services.measurement_row(row, user=request.user, teaching=teaching)
                                     for row in services.measurements_of(self.classroom)]})

    @extend_schema(request=io.DeviceMeasurementInput, responses={201: io.MeasurementOutput, **ERRORS})
    def post(self, request, class_id: int):
        data = dict(_valid(io.DeviceMeasurementInput, request.data))
        version = services.class_version(self.classroom, data.pop("model_version"))
        if version is None:
            raise AppError("invalid_model_version", _("That model version is not one your class can use."),
                           field="model_version")
        if "user_agent" not in data:
            data["user_agent"] = request.headers.get("User-Agent", "")[:io.MAX_USER_AGENT]
        data["fp32"], data["int8"] = dict(data["fp32"]), dict(data["int8"]) if data["int8"] is not None else None
        row = services.add_measurement(classroom=self.classroom, user=request.user,
                                       data={**data, "model_version": version})
        return Response(services.measurement_row(row, user=request.user,
                                                 teaching=policies.can_teach(request.user, self.classroom)),
                        status=status.HTTP_201_CREATED)
