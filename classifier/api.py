from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from classifier import selectors, services
from classifier.images import check_file_size
from classifier.serializers import AnalysisInput, AnalysisOutput
from eduai import classes

ERROR_RESPONSES = {
    code: OpenApiResponse(description=text)
    for code, text in {
        400: "Invalid, empty or damaged file, or missing field ({code, detail})",
        401: "Not logged in",
        404: "The class given is not one of yours",
        413: "File over 10 MB or image over 50 megapixels",
        415: "Not an image type we accept",
        503: "No model is active yet",
    }.items()
}


class AnalysisListCreateApi(generics.ListAPIView):
    """Your analyses (nobody else sees them); POST analyses a photo with your class's model."""

    serializer_class = AnalysisOutput
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.analyses_of(user=self.request.user)

    @extend_schema(request=AnalysisInput, responses={201: AnalysisOutput, **ERROR_RESPONSES})
    def post(self, request):
        data = AnalysisInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["image"]
        class_id = data.validated_data.get("class")
        classroom = classes.class_for(request.user, class_id) if class_id is not None else classes.current_class(request.user)
        check_file_size(upload.size, max_bytes=settings.EDUAI_MAX_UPLOAD_BYTES)  # before reading it
        analysis = services.analyze_image(content=upload.read(), original_name=upload.name or "", user=request.user,
                                          classroom=classroom)
        return Response(AnalysisOutput(analysis).data, status=status.HTTP_201_CREATED)


class AnalysisDetailApi(generics.RetrieveDestroyAPIView):
    """One of your analyses; DELETE removes it (and the photo, once nothing else refers to it)."""

    serializer_class = AnalysisOutput

    def get_queryset(self):
        return selectors.analyses_of(user=self.request.user)

    def perform_destroy(self, instance):
        services.delete_analysis(analysis=instance)
