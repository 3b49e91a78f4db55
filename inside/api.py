"""Look-inside API: /api/v1/models/{id}/architecture/ and /api/v1/analyses/{id}/... (only your own analyses)."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from classifier.selectors import analysis_of
from eduai import policies
from eduai.errors import not_found
from eduai.serializers import JobOutput
from inside import serializers as io
from inside import services
from ml_models.models import ModelVersion

ERRORS = {400: OpenApiResponse(description="invalid input ({code, detail, field})"),
          404: OpenApiResponse(description="not your analysis, or no such layer"),
          409: OpenApiResponse(description="a version exported before the look-inside views")}


def _analysis(request, pk: int):
    analysis = analysis_of(user=request.user, pk=pk)
    if analysis is None:
        raise not_found(_("That analysis does not exist or is not yours."))
    return analysis


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ModelArchitectureApi(APIView):
    """A version's layers in order (name, type, output shape, parameters, inputs) and their blocks, read from
    its exported artifacts."""

    @extend_schema(responses={200: io.ArchitectureOutput, **ERRORS})
    def get(self, request, pk: int):
        version = ModelVersion.objects.filter(pk=pk).first()
        if version is None or not policies.can_see_version(request.user, version):
            raise not_found()
        return Response(services.architecture_of(version))


class LayerMapsApi(APIView):
    """One layer's feature maps for the analysis's photo (`?channel=` adds one channel's image)."""

    @extend_schema(parameters=[io.LayerQuery], responses={200: io.LayerOutput, **ERRORS})
    def get(self, request, pk: int, name: str):
        query = _valid(io.LayerQuery, request.query_params)
        return Response(services.layer_maps(analysis=_analysis(request, pk), name=name, channel=query.get("channel"),
                                            top=query["top"]))


class FiltersApi(APIView):
    """The first convolution's filters and each one's response to the analysis's photo."""

    @extend_schema(responses={200: io.FiltersOutput, **ERRORS})
    def get(self, request, pk: int):
        return Response(services.first_layer_filters(analysis=_analysis(request, pk)))


class NeuronApi(APIView):
    """One neuron of the first layer, computed step by step: patch, kernel, products, sum, bias, activation."""

    @extend_schema(parameters=[io.NeuronQuery], responses={200: io.NeuronOutput, **ERRORS})
    def get(self, request, pk: int):
        query = _valid(io.NeuronQuery, request.query_params)
        return Response(services.neuron_arithmetic(analysis=_analysis(request, pk), **query))


class OcclusionApi(APIView):
    """The answer with the painted part of the photo hidden (mask: white = hidden)."""

    @extend_schema(request=io.OcclusionInput, responses={200: io.OcclusionOutput, **ERRORS})
    def post(self, request, pk: int):
        analysis = _analysis(request, pk)
        data = _valid(io.OcclusionInput, request.data)
        return Response(services.paint_occlusion(analysis=analysis, mask=data["mask"], fill=data["fill"]))


class OcclusionMapApi(APIView):
    """Automatic occlusion: a patch slides over the photo; the drop of the answer's number at each place."""

    @extend_schema(request=io.OcclusionMapInput, responses={200: io.OcclusionMapOutput, **ERRORS})
    def post(self, request, pk: int):
        analysis = _analysis(request, pk)
        return Response(services.occlusion_map(analysis=analysis, **_valid(io.OcclusionMapInput, request.data)))


class FaithfulnessApi(APIView):
    """Does the heatmap point at what the model used? Hide its hottest fifth, then its coldest fifth."""

    @extend_schema(parameters=[io.FillQuery], responses={200: io.FaithfulnessOutput, **ERRORS})
    def get(self, request, pk: int):
        query = _valid(io.FillQuery, request.query_params)
        return Response(services.cam_faithfulness(analysis=_analysis(request, pk), fill=query["fill"]))


class SanityCheckApi(APIView):
    """Start the heatmap's sanity check (a job only you see); poll /api/v1/jobs/{id}/ for its steps."""

    @extend_schema(request=None, responses={202: JobOutput, **ERRORS})
    def post(self, request, pk: int):
        job = services.start_sanity_check(analysis=_analysis(request, pk), user=request.user)
        return Response(JobOutput(job).data, status=status.HTTP_202_ACCEPTED)
