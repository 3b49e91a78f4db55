from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from eduai.api_errors import ApiError
from eduai.permissions import ReadOrTeacher
from training import services
from training.models import TrainingRun
from training.serializers import RunInput, RunOutput


class RunListCreateApi(generics.ListAPIView):
    queryset = TrainingRun.objects.select_related("created_by", "model_version")
    serializer_class = RunOutput
    permission_classes = [ReadOrTeacher]

    @extend_schema(request=RunInput, responses={201: RunOutput})
    def post(self, request):
        data = RunInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            config = services.build_config(config=data.validated_data.get("config"),
                                           preset_name=data.validated_data.get("preset"))
            run = services.start_run(config=config, user=request.user)
        except services.RunRefused as refused:
            raise ApiError(code="run_refused", detail=str(refused)) from refused
        return Response(RunOutput(run).data, status=status.HTTP_201_CREATED)


class RunDetailApi(generics.RetrieveAPIView):
    queryset = TrainingRun.objects.select_related("created_by", "model_version")
    serializer_class = RunOutput


class RunCancelApi(APIView):
    permission_classes = [ReadOrTeacher]

    @extend_schema(request=None, responses={200: RunOutput})
    def post(self, request, pk: int):
        run = generics.get_object_or_404(TrainingRun, pk=pk)
        try:
            run = services.cancel_run(run=run)
        except services.RunRefused as refused:
            raise ApiError(code="run_finished", detail=str(refused), status_code=status.HTTP_409_CONFLICT) from refused
        return Response(RunOutput(run).data)
