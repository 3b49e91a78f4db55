"""Labeling API, under /api/v1/classes/{class_id}/: the class's pictures in bulk, gallery, queue, labels,
teacher decisions, agreement, settings, export and import, learning curves. And, on your own analyses,
"share into a class" and "the model is wrong"."""
from dataclasses import asdict

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from classifier.models import StoredImage
from classifier.selectors import analysis_of
from eduai import classes, jobs, policies
from eduai.class_scope import ClassTeacher, ClassTeacherWrites, InClass
from eduai.errors import AppError, not_found
from eduai.models import Job
from labeling import scoring, selectors, services, transfer
from labeling.models import LabelingSettings
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
    ModelWrongInput,
    NextOutput,
    SettingsSerializer,
    SharedOutput,
    ShareInput,
    StrategyQuery,
    TransferInput,
    UploadInput,
    UploadOutput,
    ValueInput,
)
from labeling.uploads import upload_images


def picture_or_404(classroom, pk) -> StoredImage:
    image = selectors.pictures(classroom).filter(pk=pk).first()
    if image is None:
        raise not_found(_("That image does not exist."))
    return image


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def image_context(classroom, user, *, image_ids=None) -> dict:
    return {"classroom": classroom, "states": selectors.states_for(classroom=classroom, user=user, image_ids=image_ids),
            "names": policies.sees_file_names(user, classroom)}


def image_output(classroom, image: StoredImage, user) -> dict:
    image = selectors.pictures(classroom).get(pk=image.pk)  # with when it came into the class, and its name there
    return ImageOutput(image, context=image_context(classroom, user, image_ids=[image.pk])).data


def image_detail(*, classroom, image: StoredImage, user) -> dict:
    """The detail payload; what a student may see depends on whether they have answered yet."""
    view = selectors.image_view(classroom=classroom, image=image, user=user)
    context = {"classroom": classroom, "states": {image.pk: view.state}, "names": bool(view.original_name)}
    return {
        **ImageOutput(image, context=context).data,
        "votes_visible": view.votes_visible,
        "labels": LabelOutput(view.labels, many=True).data,
        "adjudication": _decision(view.adjudication, "decided_by"),
        "gold": _decision(view.gold, "created_by"),
        "model": scoring.model_answer(classroom, image.pk) if view.votes_visible else None,
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
    permission_classes = [InClass]

    def get_queryset(self):
        query = validated(GalleryQuery, self.request.query_params)
        model = scoring.class_model(self.classroom)
        return selectors.gallery(
            classroom=self.classroom, user=self.request.user, filter_name=query["filter"],
            version_id=model.version_id if model else None)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **image_context(self.classroom, self.request.user)}

    @extend_schema(parameters=[GalleryQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": UploadInput}, responses={201: UploadOutput})
    def post(self, request, class_id: int):
        files = request.FILES.getlist("files")
        validated(UploadInput, {"files": files})
        report = upload_images(classroom=self.classroom, files=[(upload.name or "", upload.read()) for upload in files],
                               user=request.user)
        if not (report.added or report.duplicates):
            first = report.rejected[0]
            raise AppError("no_images_accepted", _("None of the files could be used. %(name)s: %(reason)s")
                           % {"name": first["name"], "reason": first["detail"]}, rejected=report.rejected)
        return Response(asdict(report), status=status.HTTP_201_CREATED)


class ImageDetailApi(APIView):
    permission_classes = [InClass]

    @extend_schema(responses={200: ImageDetailOutput})
    def get(self, request, class_id: int, pk: int):
        return Response(image_detail(classroom=self.classroom, image=picture_or_404(self.classroom, pk), user=request.user))


class NextImageApi(APIView):
    """The next picture to label, in the chosen order (held for you for 10 minutes)."""

    permission_classes = [InClass]

    @extend_schema(parameters=[StrategyQuery], responses={200: NextOutput})
    def get(self, request, class_id: int):
        settings = LabelingSettings.of(self.classroom)
        strategy = validated(StrategyQuery, request.query_params).get("strategy") or settings.default_strategy
        assignment = services.next_image(classroom=self.classroom, user=request.user, strategy=strategy)
        image = assignment.image if assignment else None
        suggestion = None
        if image is not None and settings.suggestion == LabelingSettings.Suggestion.ALWAYS:
            suggestion = scoring.model_answer(self.classroom, image.pk)
        return Response({
            "image": image_output(self.classroom, image, request.user) if image else None,
            "strategy": strategy,
            "suggestion": suggestion,
            "labeled_by_me": request.user.label_set.filter(classroom=self.classroom).count(),
        })


class LabelCreateApi(APIView):
    permission_classes = [InClass]

    @extend_schema(request=LabelInput, responses={201: LabelCreatedOutput})
    def post(self, request, class_id: int):
        data = validated(LabelInput, request.data)
        label = services.label_image(classroom=self.classroom, user=request.user,
                                     image=picture_or_404(self.classroom, data["image"]), value=data["value"],
                                     strategy=data["strategy"])
        hidden = LabelingSettings.of(self.classroom).suggestion == LabelingSettings.Suggestion.NEVER
        model = None if hidden else scoring.model_answer(self.classroom, label.image_id)
        return Response({"label": LabelOutput(label).data, "model": model,
                         "agrees": None if model is None else model["answer"] == label.value},
                        status=status.HTTP_201_CREATED)


class SkipApi(APIView):
    permission_classes = [InClass]

    @extend_schema(request=ImageIdInput, responses={204: None})
    def post(self, request, class_id: int):
        image = picture_or_404(self.classroom, validated(ImageIdInput, request.data)["image"])
        services.skip_image(classroom=self.classroom, user=request.user, image=image)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UndoApi(APIView):
    """Take back your last label or skip: the picture is shown again (next, in the order given)."""

    permission_classes = [InClass]

    @extend_schema(request=StrategyQuery, responses={200: ImageOutput})
    def post(self, request, class_id: int):
        strategy = (validated(StrategyQuery, request.data).get("strategy")
                    or LabelingSettings.of(self.classroom).default_strategy)
        image = services.undo_last(classroom=self.classroom, user=request.user, strategy=strategy)
        if image is None:
            raise AppError("nothing_to_undo", _("There is nothing to undo."), status.HTTP_409_CONFLICT)
        return Response(image_output(self.classroom, image, request.user))


def _own_analysis(request, pk: int):
    analysis = analysis_of(user=request.user, pk=pk)
    if analysis is None:
        raise not_found(_("That analysis does not exist or is not yours."))
    return analysis


class ShareApi(APIView):
    """Share one of your analysed photos into one of your classes: classmates and teachers see it from
    then on (without its file name); sharing it again changes nothing."""

    @extend_schema(request=ShareInput, responses={201: SharedOutput, 200: SharedOutput})
    def post(self, request, pk: int):
        analysis = _own_analysis(request, pk)
        classroom = classes.class_for(request.user, validated(ShareInput, request.data)["class"])
        existed = selectors.in_class(classroom, analysis.image_id)
        entry = services.share_analysis(user=request.user, analysis=analysis, classroom=classroom)
        return Response({"analysis": analysis.pk, "class": classroom.pk, "image": entry.image_id,
                         "shared_at": entry.added_at}, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class ModelWrongApi(APIView):
    """On one of your analyses: "the model is wrong, it is ...": shares the photo into the class (the
    one whose model answered, or the one given) with your label, and queues it for the others."""

    @extend_schema(request=ModelWrongInput, responses={201: LabelOutput})
    def post(self, request, pk: int):
        analysis = _own_analysis(request, pk)
        data = validated(ModelWrongInput, request.data)
        classroom = _class_for_report(request.user, analysis, data.get("class"))
        label = services.report_model_wrong(user=request.user, analysis=analysis, value=data["value"],
                                            classroom=classroom)
        return Response(LabelOutput(label).data, status=status.HTTP_201_CREATED)


def _class_for_report(user, analysis, class_id):
    if class_id is not None:
        return classes.class_for(user, class_id)
    if analysis.classroom_id is not None and policies.is_member(user, analysis.classroom):
        return analysis.classroom
    current = classes.current_class(user)
    if current is None:
        raise AppError("no_class", _("Join a class first: your label goes to your class's pictures."), 409)
    return current


class DisputesApi(generics.ListAPIView):
    """The adjudication queue: pictures the labelers did not agree on (teachers)."""

    serializer_class = ImageOutput
    permission_classes = [ClassTeacher]

    def get_queryset(self):
        return selectors.disputes(self.classroom)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **image_context(self.classroom, self.request.user)}


class AdjudicationApi(APIView):
    permission_classes = [ClassTeacher]

    @extend_schema(request=ValueInput, responses={200: ImageDetailOutput})
    def post(self, request, class_id: int, pk: int):
        image = picture_or_404(self.classroom, pk)
        services.adjudicate(classroom=self.classroom, image=image, teacher=request.user,
                            value=validated(ValueInput, request.data)["value"])
        return Response(image_detail(classroom=self.classroom, image=image, user=request.user))


class GoldApi(APIView):
    """Mark a picture as gold (its answer is known) or unmark it (teachers)."""

    permission_classes = [ClassTeacher]

    @extend_schema(request=ValueInput, responses={200: ImageDetailOutput})
    def put(self, request, class_id: int, pk: int):
        image = picture_or_404(self.classroom, pk)
        services.mark_gold(classroom=self.classroom, image=image, teacher=request.user,
                           value=validated(ValueInput, request.data)["value"])
        return Response(image_detail(classroom=self.classroom, image=image, user=request.user))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, class_id: int, pk: int):
        services.unmark_gold(classroom=self.classroom, image=picture_or_404(self.classroom, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgreementApi(APIView):
    """Cohen's kappa per pair of labelers, Fleiss' kappa overall; gold pictures and scores for teachers."""

    permission_classes = [InClass]

    @extend_schema(responses={200: AgreementOutput})
    def get(self, request, class_id: int):
        teacher = policies.sees_gold(request.user, self.classroom)
        stats = selectors.agreement_stats(classroom=self.classroom, reveal_gold=teacher)
        gold = None
        if teacher:
            gold = [{**asdict(score), "accuracy": score.accuracy} for score in selectors.gold_scores(self.classroom)]
        return Response({**asdict(stats), "gold": gold})


class SettingsApi(APIView):
    """The class's labeling rules: members read, teachers change."""

    permission_classes = [ClassTeacherWrites]

    @extend_schema(responses={200: SettingsSerializer})
    def get(self, request, class_id: int):
        return Response(SettingsSerializer(LabelingSettings.of(self.classroom)).data)

    @extend_schema(request=SettingsSerializer, responses={200: SettingsSerializer})
    def patch(self, request, class_id: int):
        serializer = SettingsSerializer(LabelingSettings.of(self.classroom), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(SettingsSerializer(services.update_settings(classroom=self.classroom,
                                                                   **serializer.validated_data)).data)


def curve_output(job: Job) -> dict:
    return LearningCurveOutput(job).data


class LearningCurveListApi(generics.ListAPIView):
    """The class's simulations of accuracy against the number of labels; POST starts one in the worker
    (teachers). Each is a job: poll it here or at /api/v1/jobs/{id}/."""

    serializer_class = LearningCurveOutput
    permission_classes = [ClassTeacherWrites]

    def get_queryset(self):
        jobs.reap_stale()
        return Job.objects.filter(classroom=self.classroom, kind=Job.Kind.LEARNING_CURVE)

    @extend_schema(request=None, responses={202: LearningCurveOutput})
    def post(self, request, class_id: int):
        job = services.start_learning_curve(classroom=self.classroom, user=request.user)
        return Response(curve_output(job), status=status.HTTP_202_ACCEPTED)


class LearningCurveDetailApi(generics.RetrieveAPIView):
    serializer_class = LearningCurveOutput
    permission_classes = [InClass]

    def get_queryset(self):
        jobs.reap_stale()
        return Job.objects.filter(classroom=self.classroom, kind=Job.Kind.LEARNING_CURVE)


class VersionHistoryApi(APIView):
    """Each version trained from the class: its test accuracy against the number of labels it learned from."""

    permission_classes = [InClass]

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request, class_id: int):
        return Response(selectors.version_history(self.classroom))


class ExportApi(APIView):
    """The class's labels as CSV or JSON: everything for teachers (gold answers included), your own
    labels for students."""

    permission_classes = [InClass]

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, OpenApiParameter.PATH, enum=["csv", "json"])],
        responses={(200, "text/csv"): OpenApiTypes.STR, (200, "application/json"): OpenApiTypes.OBJECT},
    )
    def get(self, request, class_id: int, file_format: str):
        if file_format not in ("csv", "json"):
            raise not_found(_("Export as csv or json."))
        everything = policies.exports_everything(request.user, self.classroom)
        rows = transfer.export_rows(classroom=self.classroom, include_gold=everything,
                                    only_user=None if everything else request.user)
        body, content_type = ((transfer.to_csv(rows), "text/csv") if file_format == "csv"
                              else (transfer.to_json(rows), "application/json"))
        response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="eduai-labels.{file_format}"'
        return response


class ImportApi(APIView):
    """Import labels from a CSV or JSON file in the export format (teachers); a file with a bad row
    is refused whole."""

    permission_classes = [ClassTeacher]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": TransferInput}, responses={200: {"type": "object"}})
    def post(self, request, class_id: int):
        upload = validated(TransferInput, request.data)["file"]
        rows = transfer.parse(upload.read(), file_name=upload.name or "")
        report = transfer.import_rows(rows, classroom=self.classroom, teacher=request.user)
        return Response(asdict(report))

