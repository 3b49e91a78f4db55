from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from classifier.selectors import analyses_of
from eduai import jobs
from eduai.class_scope import ClassPage, ClassTeacherPage
from eduai.errors import AppError
from ml_models.views import ARTIFACT_NAMES
from training import services
from training.api import runs_of
from training.forms import StartRunForm
from training.pipeline.config import AugmentConfig
from training.serializers import RunOutput

FAMILY_NAMES = {"lite0_transfer": gettext_lazy("transfer learning on EfficientNet-Lite0"),
                "student_cnn": gettext_lazy("small CNN trained from scratch")}


class RunsPage(ClassPage, TemplateView):
    """The class's runs; its teachers start new ones here."""

    template_name = "training/runs.html"

    def get_context_data(self, **kwargs):
        # the list shows settings, status and results: the dataset snapshot, curves and log stay in the database
        runs = runs_of(self.classroom).defer("dataset", "history", "log")[:50]
        return {**super().get_context_data(**kwargs), "runs": runs, "worker_alive": jobs.worker_alive(),
                "families": FAMILY_NAMES, "form": kwargs.get("form") or (StartRunForm() if self.teaching else None)}

    def post(self, request, class_id: int):
        if not self.teaching:
            messages.error(request, _("Only the class's teachers can start training runs."))
            return redirect("training:runs", self.classroom.pk)
        form = StartRunForm(request.POST)
        if form.is_valid():
            try:
                run = services.start_run(classroom=self.classroom, config=form.config(), user=request.user)
            except AppError as refused:
                form.add_error(None, refused.detail)
            else:
                return redirect("training:run", self.classroom.pk, run.pk)
        return self.render_to_response(self.get_context_data(form=form))


class RunPage(ClassPage, TemplateView):
    template_name = "training/run.html"

    def get_context_data(self, **kwargs):
        run = get_object_or_404(runs_of(self.classroom), pk=self.kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "run": run,
            "run_data": RunOutput(run).data,
            "family": FAMILY_NAMES.get(run.config.get("family"), run.config.get("family")),
            "can_cancel": self.teaching and not run.job.is_finished,
            "js_strings": run_strings(),
        }


def run_strings() -> dict:
    return {
        "loss": _("loss"), "accuracy": _("accuracy"), "train": _("training"), "validation": _("validation"),
        "epoch": _("epoch"), "overfitting": _("validation loss rises from here: overfitting"),
        "precision": _("precision"), "recall": _("recall"), "size": _("size (MB)"),
        "latency": _("latency p50 (ms)"), "test_accuracy": _("test accuracy (%)"),
        "waiting": _("No background process is running: the run starts when one does (make run starts one)."),
        "classes": {"cat": _("cat"), "dog": _("dog"), "neither": _("neither")},
        "cv": {"head_on_embeddings": _("a logistic-regression head on the frozen EfficientNet-Lite0 embeddings"),
               "student_from_scratch": _("the small CNN trained from scratch on each fold (no augmentation)")},
        "artifacts": {kind: str(name) for kind, name in ARTIFACT_NAMES.items()},
        "unusual_own": _("Unusual threshold %(threshold)s, chosen on this class's photos; on the held-out half it "
                         "flags %(false_flags)s of the cats and dogs and catches %(caught)s of the others."),
        "unusual_inherited": _("Unusual threshold %(threshold)s, kept from the pretrained model: the class has too "
                               "few photos labelled “neither” to choose its own (%(count)s of the 10 needed)."),
    }


class CancelRun(ClassTeacherPage, View):
    def post(self, request, class_id: int, pk: int):
        run = get_object_or_404(runs_of(self.classroom), pk=pk)
        try:
            services.cancel_run(run=run)
            messages.info(request, _("Cancellation requested."))
        except AppError as refused:
            messages.error(request, refused.detail)
        return redirect("training:run", self.classroom.pk, pk)


@login_required
def augmentation_page(request):
    """Pick one of your pictures and see what each augmentation does to it (computed by the worker)."""
    return render(request, "training/augmentation.html", {
        "analyses": analyses_of(user=request.user)[:24],
        "defaults": AugmentConfig(),
        "worker_alive": jobs.worker_alive(),
        "js_strings": {"working": _("The background process is preparing the pictures…"),
                       "failed": _("It did not work. Try again.")},
    })
