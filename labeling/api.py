"""Labeling API: images in bulk, gallery, queue, labels, teacher decisions, agreement, settings, curves."""
from dataclasses import asdict

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from classifier.models import StoredImage
from classifier.selectors import analysis_of
from classifier.zero_shot import UNUSUAL_THRESHOLD
from eduai.errors import AppError, not_found
from eduai.permissions import IsTeacher, ReadOrTeacher, is_teacher
from labeling import scoring, selectors, services, transfer
from labeling.models import LabelingSettings, LearningCurve
from labeling.serializers import (
    AgreementOutput,
    GalleryQuery,
    ImageDetailOutput,
    ImageIdInput,
    ImageOutput,
    LabelCreatedOutput,
    LabelInput,
    LabelOutput,
    LearningCurveOutput,
    NextOutput,
    SettingsSerializer,
    StrategyQuery,
    TransferInput,
    UploadInput,
    UploadOutput,
    ValueInput,
)
from labeling.uploads import upload_images
from ml_models.selectors import active_version


def image_or_404(pk) -> StoredImage:
    image = StoredImage.objects.filter(pk=pk).first()
    if image is None:
        raise not_found(_("That image does not exist."))
    return image


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def states_for(user, *, image_ids=None) -> dict:
    """Image states as this user may see them: only teachers learn which images are gold."""
    return selectors.image_states(reveal_gold=is_teacher(user), image_ids=image_ids)


def image_output(image: StoredImage, user) -> dict:
    return ImageOutput(image, context={"states": states_for(user, image_ids=[image.pk])}).data


def image_detail(*, image: StoredImage, user) -> dict:
    """The detail payload; what a student may see depends on whether they have answered yet."""
    view = selectors.image_view(image=image, user=user, teacher=is_teacher(user))
    return {
        **ImageOutput(image, context={"states": {image.pk: view.state}}).data,
        "votes_visible": view.votes_visible,
        "labels": LabelOutput(view.labels, many=True).data,
        "adjudication": _decision(view.adjudication, "decided_by"),
        "gold": _decision(view.gold, "created_by"),
        "model": scoring.model_answer(image.pk) if view.votes_visible else None,
    }


def _decision(decision, person_field: str) -> dict | None:
    if decision is None:
        return None
    person = getattr(decision, person_field)
    return {"value": decision.value, "decided_by": person.get_username() if person else None,
            "created_at": decision.created_at}


class ImageListUploadApi(generics.ListAPIView):
    """The class's pictures (filter with ?filter=...); POST many pictures or .zip archives at once."""

    serializer_class = ImageOutput
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        query = validated(GalleryQuery, self.request.query_params)
        version = active_version()
        return selectors.gallery(user=self.request.user, filter_name=query["filter"],
                                 version_id=version.pk if version else None, unusual_threshold=UNUSUAL_THRESHOLD,
                                 reveal_gold=is_teacher(self.request.user))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "states": states_for(self.request.user)}

    @extend_schema(parameters=[GalleryQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": UploadInput}, responses={201: UploadOutput})
    def post(self, request):
        files = request.FILES.getlist("files")
        validated(UploadInput, {"files": files})
        report = upload_images(files=[(upload.name or "", upload.read()) for upload in files], user=request.user)
        if not (report.added or report.duplicates):
            first = report.rejected[0]
            return Response({"code": "no_images_accepted", "rejected": report.rejected, "detail": _(
                "None of the files could be used. %(name)s: %(reason)s") % {"name": first["name"], "reason": first["detail"]}},
                status=status.HTTP_400_BAD_REQUEST)
        return Response(asdict(report), status=status.HTTP_201_CREATED)


class ImageDetailApi(APIView):
    @extend_schema(responses={200: ImageDetailOutput})
    def get(self, request, pk: int):
        return Response(image_detail(image=image_or_404(pk), user=request.user))


class NextImageApi(APIView):
    """The next picture to label, in the chosen order (held for you for 10 minutes)."""

    @extend_schema(parameters=[StrategyQuery], responses={200: NextOutput})
    def get(self, request):
        settings = LabelingSettings.current()
        strategy = validated(StrategyQuery, request.query_params).get("strategy") or settings.default_strategy
        assignment = services.next_image(user=request.user, strategy=strategy)
        image = assignment.image if assignment else None
        suggestion = None
        if image is not None and settings.suggestion == LabelingSettings.Suggestion.ALWAYS:
            suggestion = scoring.model_answer(image.pk)
        return Response({
            "image": image_output(image, request.user) if image else None,
            "strategy": strategy,
            "suggestion": suggestion,
            "labeled_by_me": request.user.label_set.count(),
        })


class LabelCreateApi(APIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=LabelInput, responses={201: LabelCreatedOutput})
    def post(self, request):
        data = validated(LabelInput, request.data)
        label = services.label_image(user=request.user, image=image_or_404(data["image"]), value=data["value"],
                                     strategy=data["strategy"])
        hidden = LabelingSettings.current().suggestion == LabelingSettings.Suggestion.NEVER
        return Response({"label": LabelOutput(label).data, "model": None if hidden else scoring.model_answer(label.image_id)},
                        status=status.HTTP_201_CREATED)


class SkipApi(APIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=ImageIdInput, responses={204: None})
    def post(self, request):
        services.skip_image(user=request.user, image=image_or_404(validated(ImageIdInput, request.data)["image"]))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UndoApi(APIView):
    """Take back your last label or skip: the picture is shown again (next, in the order given)."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=StrategyQuery, responses={200: ImageOutput})
    def post(self, request):
        strategy = validated(StrategyQuery, request.data).get("strategy") or LabelingSettings.current().default_strategy
        image = services.undo_last(user=request.user, strategy=strategy)
        if image is None:
            raise AppError("nothing_to_undo", _("There is nothing to undo."), status.HTTP_409_CONFLICT)
        return Response(image_output(image, request.user))


class ModelWrongApi(APIView):
    """On one of your analyses: "the model is wrong, it is ...": records your label and queues the
    picture for the others."""

    @extend_schema(request=ValueInput, responses={201: LabelOutput})
    def post(self, request, pk: int):
        analysis = analysis_of(user=request.user, pk=pk)
        if analysis is None:
            raise not_found(_("That analysis does not exist or is not yours."))
        label = services.report_model_wrong(user=request.user, analysis=analysis,
                                            value=validated(ValueInput, request.data)["value"])
        return Response(LabelOutput(label).data, status=status.HTTP_201_CREATED)


class DisputesApi(generics.ListAPIView):
    """The adjudication queue: pictures the labelers did not agree on (teachers)."""

    serializer_class = ImageOutput
    permission_classes = [IsTeacher]

    def get_queryset(self):
        return selectors.disputes()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "states": selectors.image_states()}


class AdjudicationApi(APIView):
    permission_classes = [IsTeacher]

    @extend_schema(request=ValueInput, responses={200: ImageDetailOutput})
    def post(self, request, pk: int):
        image = image_or_404(pk)
        services.adjudicate(image=image, teacher=request.user, value=validated(ValueInput, request.data)["value"])
        return Response(image_detail(image=StoredImage.objects.get(pk=pk), user=request.user))


class GoldApi(APIView):
    """Mark a picture as gold (its answer is known) or unmark it (teachers)."""

    permission_classes = [IsTeacher]

    @extend_schema(request=ValueInput, responses={200: ImageDetailOutput})
    def put(self, request, pk: int):
        image = image_or_404(pk)
        services.mark_gold(image=image, teacher=request.user, value=validated(ValueInput, request.data)["value"])
        return Response(image_detail(image=StoredImage.objects.get(pk=pk), user=request.user))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        services.unmark_gold(image=image_or_404(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgreementApi(APIView):
    """Cohen's kappa per pair of labelers, Fleiss' kappa overall; gold-image scores for teachers."""

    @extend_schema(responses={200: AgreementOutput})
    def get(self, request):
        stats = selectors.agreement_stats()
        gold = None
        if is_teacher(request.user):
            gold = [{**asdict(score), "accuracy": score.accuracy} for score in selectors.gold_scores()]
        return Response({**asdict(stats), "gold": gold})


class SettingsApi(APIView):
    """The class's labeling rules: anyone reads, teachers change."""

    permission_classes = [ReadOrTeacher]

    @extend_schema(responses={200: SettingsSerializer})
    def get(self, request):
        return Response(SettingsSerializer(LabelingSettings.current()).data)

    @extend_schema(request=SettingsSerializer, responses={200: SettingsSerializer})
    def patch(self, request):
        serializer = SettingsSerializer(LabelingSettings.current(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(SettingsSerializer(services.update_settings(**serializer.validated_data)).data)


class LearningCurveListApi(generics.ListAPIView):
    """Simulations of accuracy against the number of labels; POST starts one in the worker (teachers)."""

    queryset = LearningCurve.objects.all()
    serializer_class = LearningCurveOutput
    permission_classes = [ReadOrTeacher]

    @extend_schema(request=None, responses={202: LearningCurveOutput})
    def post(self, request):
        curve = services.start_learning_curve(user=request.user)
        return Response(LearningCurveOutput(curve).data, status=status.HTTP_202_ACCEPTED)


class LearningCurveDetailApi(generics.RetrieveAPIView):
    queryset = LearningCurve.objects.all()
    serializer_class = LearningCurveOutput


class VersionHistoryApi(APIView):
    """Each trained model version's test accuracy against the number of labels it learned from."""

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request):
        return Response(selectors.version_history())


class ExportApi(APIView):
    """Every label as CSV or JSON (gold answers only for teachers)."""

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, OpenApiParameter.PATH, enum=["csv", "json"])],
        responses={(200, "text/csv"): OpenApiTypes.STR, (200, "application/json"): OpenApiTypes.OBJECT},
    )
    def get(self, request, file_format: str):
        if file_format not in ("csv", "json"):
            raise not_found(_("Export as csv or json."))
        rows = transfer.export_rows(include_gold=is_teacher(request.user))
        body, content_type = ((transfer.to_csv(rows), "text/csv") if file_format == "csv"
                              else (transfer.to_json(rows), "application/json"))
        response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="eduai-labels.{file_format}"'
        return response


class ImportApi(APIView):
    """Import labels from a CSV or JSON file in the export format (teachers); a file with a bad row
    is refused whole."""

    permission_classes = [IsTeacher]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": TransferInput}, responses={200: {"type": "object"}})
    def post(self, request):
        upload = validated(TransferInput, request.data)["file"]
        rows = transfer.parse(upload.read(), file_name=upload.name or "")
        report = transfer.import_rows(rows, teacher=request.user)
        return Response(asdict(report))
