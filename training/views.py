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


# what the learning curves say (evaluate.read_curves), on the run page and in the lessons' curves widget
CURVE_VERDICTS = {
    "kept_lowest": gettext_lazy("Weights kept from epoch %(epoch)s (lowest validation loss)."),
    "kept_stage": gettext_lazy("Weights kept from epoch %(epoch)s: the lowest validation loss of the last stage "
                               "(%(stage)s), which started from the weights the stage before kept."),
    "kept_last": gettext_lazy("Weights kept from the last epoch, %(epoch)s: early stopping was off."),
    "lowest_so_far": gettext_lazy("Lowest validation loss so far: epoch %(epoch)s."),
    "overfitting": gettext_lazy("Overfitting from epoch %(start)s to %(end)s (%(stage)s): the trend of the training "
                                "loss fell by %(train)s while that of the validation loss rose by %(val)s. Validation "
                                "loss minus training loss went from %(gap_start)s to %(gap)s."),
}


TIME_MACHINE = {  # the time machine's words, on the run page and in the lesson widget `time-machine`
    "intro": gettext_lazy("A fixed set of photos of your class (up to twelve), chosen by their content "
                          "hash before training began: half from the photos the model trained on, half "
                          "from the validation photos it never trained on. Move the slider to see, after "
                          "each epoch, what the model answered for each photo and which parts of it pushed "
                          "that answer."),
    "slider": gettext_lazy("Epoch shown"),
    "epoch_of": gettext_lazy("Epoch %(epoch)s of %(count)s (%(stage)s)"),
    "previous": gettext_lazy("Previous epoch"),
    "next": gettext_lazy("Next epoch"),
    "turning": gettext_lazy("Validation loss starts rising after epoch %(epoch)s (the dashed line): the "
                            "model starts memorising the training photos. Compare the two groups of photos "
                            "before and after it."),
    "turning_noise": gettext_lazy("The learning curves do not call this overfitting: the rise after it may "
                                  "be noise."),
    "no_turning": gettext_lazy("Validation loss did not turn up in this run: it was lowest at the last "
                               "epoch."),
    "go_turning": gettext_lazy("Go to epoch %(epoch)s"),
    "turning_marker": gettext_lazy("validation loss turns up"),
    "train_group": gettext_lazy("Photos it trained on (training split)"),
    "validation_group": gettext_lazy("Photos it never trained on (validation split)"),
    "group_score": gettext_lazy("Right at this epoch: %(right)s of %(count)s"),
    "right": gettext_lazy("right"),
    "wrong": gettext_lazy("wrong"),
    "answer": gettext_lazy("model: %(answer)s (%(probability)s)"),
    "label": gettext_lazy("label: %(label)s"),
    "photo_alt": gettext_lazy("A photo of your class labelled %(label)s"),
    "show_heatmaps": gettext_lazy("Show heatmaps"),
    "about": gettext_lazy("About these answers and heatmaps"),
    "scale_label": gettext_lazy("Heatmap scale:"),
    "scale_run": gettext_lazy("the same for every photo and epoch (full colour: the run's strongest cell, "
                              "%(full)s logits)"),
    "scale_own": gettext_lazy("each photo's own strongest cell"),
    "scale_note": gettext_lazy("Each photo is squashed to a square, as the model sees it. Warm colours "
                               "mark the parts that pushed its answer; parts that pushed the other way are "
                               "transparent. On the same scale for every photo and epoch a weak map stays "
                               "faint, so you see the evidence grow as the model learns. Scaled to each "
                               "photo's strongest cell, as on the Analyze page, every map is bright: "
                               "compare where the model looks, not how strongly."),
    "forced_note": gettext_lazy("Here the model always answers cat or dog: the unusual score needs the "
                                "ImageNet outputs, which a version only gets when it is exported after "
                                "training."),
    "hidden": gettext_lazy("Probe photos not shown here: %(count)s (pictures no longer in the class and, "
                           "for students, gold pictures and pictures they have not labelled yet)."),
}


def run_strings() -> dict:
    return {
        "loss": _("loss"), "accuracy": _("accuracy"), "train": _("training"), "validation": _("validation"),
        "epoch": _("epoch"), "epochs": _("epochs"),
        **CURVE_VERDICTS,
        "time_machine": TIME_MACHINE,
        "stages": {"train": _("training"), "head": _("new final layer"), "fine_tune": _("fine-tuning")},
        "precision": _("precision"), "recall": _("recall"), "size": _("size (MB)"),
        "latency": _("latency p50 (ms)"), "test_accuracy": _("test accuracy (%)"),
        "waiting": _("No background process is running: the run starts when one does (make run starts one)."),
        "classes": {"cat": _("cat"), "dog": _("dog"), "neither": _("neither")},
        # by the method a run stored; older runs stored "head_on_embeddings" and "student_from_scratch"
        "cv": {"linear_probe": _("What was cross-validated: a linear probe, a logistic regression on the embeddings "
                                 "of the frozen pretrained EfficientNet-Lite0 (before this run trained anything), "
                                 "not the fine-tuned model. It estimates how good a new final layer on that "
                                 "network can be."),
               "head_on_embeddings": _("What was cross-validated: a linear probe, a logistic regression on the "
                                       "embeddings of the frozen pretrained EfficientNet-Lite0, not the fine-tuned "
                                       "model. This older run did not give the probe its L2."),
               "student_cnn": _("What was cross-validated: the small CNN itself, trained from scratch on each fold "
                                "with the run's settings (dropout, L2, augmentation, epochs and early stopping)."),
               "student_from_scratch": _("What was cross-validated: the small CNN trained from scratch on each fold, "
                                         "without augmentation or early stopping (an older run).")},
        "cv_probe_l2": _("The probe has the same L2 penalty as the run (%(l2)s). Dropout and augmentation do not "
                         "apply to it: it is linear and sees one fixed embedding per photo."),
        "cv_probe_no_l2": _("The run has no L2, so the probe keeps scikit-learn's default C = 1, a weak L2: without "
                            "any, a logistic regression on these embeddings may have no finite solution. Dropout and "
                            "augmentation do not apply to it: it is linear and sees one fixed embedding per photo."),
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
