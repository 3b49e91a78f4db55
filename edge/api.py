"""Edge API: the version the browser runs, the server's answers to compare with, the class's test set and
the class's device measurements."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from eduai.class_scope import InClass


class EdgeModelApi(APIView):
    """The version the edge page runs (`?class=` for a class you are in; else the global pretrained one)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response({})


class ServerAnswersApi(APIView):
    """The server's answers on photos you may see, by their sha256."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        return Response({"answers": [], "unknown": []})


class EdgeTestSetApi(APIView):
    permission_classes = [InClass]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, class_id: int):
        return Response({})


class DeviceMeasurementListApi(APIView):
    permission_classes = [InClass]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, class_id: int):
        return Response({"results": []})
