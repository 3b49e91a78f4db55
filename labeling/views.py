"""Labeling pages of a class (/classes/<id>/labeling/...): overview and settings, gallery and bulk upload,
picture detail, queue, disputes, agreement, learning curve. Thin: forms and services do the work."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from classifier.images import ACCEPTED_FORMATS
from eduai import jobs
from eduai.class_scope import ClassPage, ClassTeacherPage
from eduai.errors import AppError, not_found
from eduai.models import Job
from labeling import agreement, scoring, selectors, services, transfer
from labeling.forms import ImportForm, SettingsForm, ValueForm
from labeling.models import QUEUE_STRATEGIES, LabelingSettings, Value
from labeling.serializers import LearningCurveOutput

GALLERY_PAGE = 48
KAPPA_WORDS = {
    "undefined": gettext_lazy("undefined"), "too_few": gettext_lazy("too few shared pictures to judge"),
    "worse_than_chance": gettext_lazy("worse than chance"), "chance": gettext_lazy("no better than chance"),
    "slight": gettext_lazy("slight"),
    "fair": gettext_lazy("fair"), "moderate": gettext_lazy("moderate"), "substantial": gettext_lazy("substantial"),
    "almost_perfect": gettext_lazy("almost perfect"),
}
STATUS_NAMES = {
    "unlabeled": gettext_lazy("unlabeled"), "needs_labels": gettext_lazy("needs more labels"),
    "consensus": gettext_lazy("consensus"), "disputed": gettext_lazy("disputed"),
    "adjudicated": gettext_lazy("decided by the teacher"), "gold": gettext_lazy("gold image"),
    "dataset": gettext_lazy("label from a dataset folder"),
}
STATUS_COLOURS = (("unlabeled", "secondary"), ("needs_labels", "info"), ("disputed", "danger"),
                  ("consensus", "success"), ("adjudicated", "primary"), ("gold", "warning"), ("dataset", "dark"))
FILTER_NAMES = {
    "all": gettext_lazy("all"), "unlabeled": gettext_lazy("unlabeled"), "mine": gettext_lazy("labelled by me"),
    "needs_labels": gettext_lazy("needs more labels"), "disputed": gettext_lazy("disputed"),
    "cat": gettext_lazy("consensus: cat"), "dog": gettext_lazy("consensus: dog"),
    "neither": gettext_lazy("consensus: neither"), "model_disagrees": gettext_lazy("model disagrees"),
    "unusual": gettext_lazy("unusual"), "consensus": gettext_lazy("consensus"),
    "adjudicated": gettext_lazy("decided by the teacher"), "dataset": gettext_lazy("label from a dataset folder"),
    "gold": gettext_lazy("gold images"),
}


class LabelingPage(ClassPage, TemplateView):
    """A labeling page of the class: for its members; knows whether they teach it (tabs, forms, gold)."""


class OverviewPage(LabelingPage):
    """Where the class's labeling stands, the settings (teachers), export and import."""

    template_name = "labeling/overview.html"

    def get_context_data(self, **kwargs):
        counts = selectors.status_counts(classroom=self.classroom, reveal_gold=self.teaching)
        settings = LabelingSettings.of(self.classroom)
        return {
            **super().get_context_data(**kwargs),
            "status_cards": [(key, {"count": counts.get(key, 0), "label": STATUS_NAMES[key]}, colour)
                             for key, colour in STATUS_COLOURS if self.teaching or key != "gold"],
            "settings": settings,
            "settings_form": kwargs.get("settings_form") or (SettingsForm(instance=settings) if self.teaching else None),
            "import_form": kwargs.get("import_form") or (ImportForm() if self.teaching else None),
        }


class SettingsUpdate(ClassTeacherPage, OverviewPage):
    """POST: the class's labeling rules."""

    http_method_names = ["post"]

    def post(self, request, class_id: int):
        form = SettingsForm(request.POST, instance=LabelingSettings.of(self.classroom))
        if form.is_valid():
            services.update_settings(classroom=self.classroom, **form.cleaned_data)
            messages.success(request, _("Settings saved."))
            return redirect("labeling:overview", self.classroom.pk)
        return self.render_to_response(self.get_context_data(settings_form=form))


class LabelsImport(ClassTeacherPage, OverviewPage):
    """POST: labels from a CSV or JSON file in the export format."""

    http_method_names = ["post"]

    def post(self, request, class_id: int):
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = transfer.parse(upload.read(), file_name=upload.name)
                report = transfer.import_rows(rows, classroom=self.classroom, teacher=request.user)
            except AppError as error:
                form.add_error("file", error.detail)
            else:
                messages.success(request, _(
                    "Imported %(created)d labels (%(duplicates)d were already here, %(unknown)d are for images "
                    "this class does not have).") % {
                    "created": report.created, "duplicates": report.duplicates, "unknown": report.unknown_images})
                return redirect("labeling:overview", self.classroom.pk)
        return self.render_to_response(self.get_context_data(import_form=form))


class GalleryPage(LabelingPage):
    template_name = "labeling/gallery.html"

    def get_context_data(self, **kwargs):
        current = self.request.GET.get("filter", "all")
        if current not in selectors.GALLERY_FILTERS:
            current = "all"
        model = scoring.class_model(self.classroom)
        images = selectors.gallery(
            classroom=self.classroom, user=self.request.user, filter_name=current,
            version_id=model.version_id if model else None)
        page = Paginator(images, GALLERY_PAGE).get_page(self.request.GET.get("page"))
        return {
            **super().get_context_data(**kwargs),
            "page": page,
            "states": selectors.states_for(classroom=self.classroom, user=self.request.user,
                                           image_ids=[image.pk for image in page]),
            "filters": [(name, FILTER_NAMES[name]) for name in selectors.GALLERY_FILTERS
                        if self.teaching or name != "gold"],
            "status_names": STATUS_NAMES,
            "value_names": dict(Value.choices),
            "current": current,
            "worker_alive": jobs.worker_alive(),
            "accept": ",".join([f"image/{fmt.lower()}" for fmt in ACCEPTED_FORMATS] + [".zip", "application/zip"]),
            "js_strings": {
                "sending": _("Sending %(done)s of %(total)s files…"), "done": _("Done."),
                "added": _("added"), "duplicate": _("already here"), "rejected": _("skipped"),
                "error": _("Something went wrong. Try again."),
            },
        }


class ImageFile(ClassPage, View):
    """The bytes of one of the class's pictures, exactly as uploaded, for the class's members."""

    def get(self, request, class_id: int, pk: int):
        image = selectors.pictures(self.classroom).filter(pk=pk).first()
        if image is None:
            raise not_found()
        return FileResponse(image.file.open("rb"))


class ImagePage(LabelingPage):
    template_name = "labeling/image.html"

    def get_context_data(self, **kwargs):
        image = selectors.pictures(self.classroom).filter(pk=self.kwargs["pk"]).first()
        if image is None:
            raise not_found(_("That image does not exist."))
        view = selectors.image_view(classroom=self.classroom, image=image, user=self.request.user)
        return {
            **super().get_context_data(**kwargs),
            "image": image,
            "state": view.state,
            "visible": view.votes_visible,
            "labels": view.labels,
            "adjudication": view.adjudication,
            "gold": view.gold,
            "original_name": view.original_name,
            "model": scoring.model_answer(self.classroom, image.pk) if view.votes_visible else None,
            "values": Value.choices,
            "status_names": STATUS_NAMES,
        }


class TeacherDecision(ClassTeacherPage, View):
    """POST from the picture page or the disputes page: adjudicate, mark gold, unmark gold."""

    ACTIONS = ("adjudicate", "gold", "unmark-gold")

    def post(self, request, class_id: int, pk: int, action: str):
        if action not in self.ACTIONS:
            raise Http404
        image = selectors.pictures(self.classroom).filter(pk=pk).first()
        if image is None:
            raise not_found(_("That image does not exist."))
        form = ValueForm(request.POST)
        if action == "unmark-gold":
            services.unmark_gold(classroom=self.classroom, image=image)
            messages.info(request, _("No longer a gold image."))
        elif not form.is_valid():
            messages.error(request, _("Choose cat, dog or neither."))
        elif action == "adjudicate":
            services.adjudicate(classroom=self.classroom, image=image, teacher=request.user,
                                value=form.cleaned_data["value"])
            messages.success(request, _("Decided: %(label)s.") % {"label": Value(form.cleaned_data["value"]).label})
        else:
            services.mark_gold(classroom=self.classroom, image=image, teacher=request.user,
                               value=form.cleaned_data["value"])
            messages.success(request, _("Marked as a gold image: %(label)s.") % {"label": Value(form.cleaned_data["value"]).label})
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("labeling:image", args=[self.classroom.pk, pk])
        return redirect(back)


class QueuePage(LabelingPage):
    """One picture at a time, keyboard first; the page's script talks to the API."""

    template_name = "labeling/queue.html"

    def get_context_data(self, **kwargs):
        settings = LabelingSettings.of(self.classroom)
        chosen = self.request.GET.get("strategy", settings.default_strategy)
        return {
            **super().get_context_data(**kwargs),
            "strategies": [(s.value, s.label) for s in QUEUE_STRATEGIES],
            "chosen": chosen if chosen in [s.value for s in QUEUE_STRATEGIES] else settings.default_strategy,
            "settings": settings,
            "values": Value.choices,
            "js_strings": {
                "loading": _("Loading the next picture…"), "empty": _("Nothing left to label. Thank you!"),
                "saved": _("Saved: %(label)s."), "skipped": _("Skipped."), "undone": _("Undone: label it again."),
                "nothing_to_undo": _("There is nothing to undo."), "error": _("Something went wrong. Try again."),
                "unreadable": _("This picture could not be shown. Skip it with S."),
                "model_said": _("The model says %(label)s (%(percent)s, choosing between cat and dog)."),
                "model_said_unusual": _("The model says %(label)s: its unusual score is %(score)s, at or above "
                                        "its unusual threshold of %(threshold)s."),
                "agrees": _("You agree with the model."),
                "disagrees": _("You and the model disagree: your label helps it learn."),
                "labels": {value: str(label) for value, label in Value.choices},
            },
        }


class DisputesPage(ClassTeacherPage, LabelingPage):
    template_name = "labeling/disputes.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "disputes": selectors.disputes(self.classroom)[:100],
                "values": Value.choices}


class AgreementPage(LabelingPage):
    template_name = "labeling/agreement.html"

    def get_context_data(self, **kwargs):
        stats = selectors.agreement_stats(classroom=self.classroom, reveal_gold=self.teaching)
        return {
            **super().get_context_data(**kwargs),
            "stats": stats,
            "pairs": [(pair, KAPPA_WORDS[agreement.kappa_meaning(pair.kappa, images=pair.images)])
                      for pair in stats.pairs],
            "fleiss_words": KAPPA_WORDS[agreement.kappa_meaning(stats.fleiss, images=stats.images_rated)],
            "min_shared": agreement.MIN_SHARED_IMAGES,
            "gold": selectors.gold_scores(self.classroom) if self.teaching else None,
        }


class LearningCurvePage(LabelingPage):
    template_name = "labeling/learning_curve.html"

    def get_context_data(self, **kwargs):
        jobs.reap_stale()
        curve = Job.objects.filter(classroom=self.classroom, kind=Job.Kind.LEARNING_CURVE).first()
        return {
            **super().get_context_data(**kwargs),
            "curve": curve,
            "curve_data": LearningCurveOutput(curve).data if curve else None,
            "history": selectors.version_history(self.classroom),
            "worker_alive": jobs.worker_alive(),
            "js_strings": {
                "accuracy": _("test accuracy (%)"), "labels": _("number of labels (logarithmic axis)"), "random": _("random sampling"),
                "uncertainty": _("uncertainty sampling"),
                "test_set": _("versions tested on the same %(count)s test pictures"),
                "test_set_unknown": _("a version whose test pictures are not known"),
                "spread": _("± one standard deviation across seeds"),
                "running": _("The background process is simulating…"),
                "embed": _("computing embeddings"), "simulate": _("training classifiers"),
                "failed": _("The simulation failed."),
                "summary": _("Random sampling reaches %(accuracy)s with %(reference)s labels; uncertainty sampling "
                             "gets there with %(needed)s labels (%(percent)s of them)."),
                "summary_never": _("Random sampling reaches %(accuracy)s with %(reference)s labels; uncertainty "
                                   "sampling did not get there in this simulation."),
                "summary_noise": _("From %(from)s labels on, random and uncertainty sampling are within their "
                                   "spread (± one standard deviation across seeds): this simulation cannot tell "
                                   "which of them needs fewer labels there."),
                "summary_all_noise": _("At every number of labels simulated, random and uncertainty sampling are "
                                       "within their spread (± one standard deviation across seeds): this "
                                       "simulation does not show that either needs fewer labels."),
                "summary_apart": _("Further apart than their spread: %(sizes)s."),
                "apart_item": _("at %(labels)s labels, %(leader)s ahead by %(gap)s points"),
            },
        }


class LearningCurveStart(ClassTeacherPage, View):
    """POST: queue a new simulation on the class's settled labels."""

    def post(self, request, class_id: int):
        try:
            services.start_learning_curve(classroom=self.classroom, user=request.user)
            messages.info(request, _("Simulation queued: the background process is running it."))
        except AppError as error:
            messages.error(request, error.detail)
        return redirect("labeling:learning-curve", self.classroom.pk)
