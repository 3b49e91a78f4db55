from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eduai.permissions import is_teacher
from eduai.errors import AppError
from training import services
from training.forms import StartRunForm
from classifier.selectors import analyses_of
from training.models import TrainingRun
from training.pipeline.config import AugmentConfig


@login_required
def runs_page(request):
    form = StartRunForm(request.POST or None) if is_teacher(request.user) else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("Only teachers and admins can start training runs."))
            return redirect("training:runs")
        if form.is_valid():
            try:
                run = services.start_run(config=form.config(), user=request.user)
            except AppError as refused:
                form.add_error(None, refused.detail)
            else:
                return redirect("training:run", pk=run.pk)
    # the list shows settings, status and results: the dataset snapshot, curves and log stay in the database
    runs = TrainingRun.objects.select_related("created_by", "model_version").defer("dataset", "history", "log")[:50]
    return render(request, "training/runs.html", {"runs": runs, "form": form})


@login_required
def run_page(request, pk: int):
    run = get_object_or_404(TrainingRun, pk=pk)
    return render(request, "training/run.html", {
        "run": run,
        "can_cancel": is_teacher(request.user) and not run.is_finished,
        "js_strings": {
            "loss": _("loss"), "accuracy": _("accuracy"), "train": _("training"), "validation": _("validation"),
            "epoch": _("epoch"), "overfitting": _("validation loss rises from here: overfitting"),
            "precision": _("precision"), "recall": _("recall"),
            "size": _("size (MB)"), "latency": _("latency p50 (ms)"), "test_accuracy": _("test accuracy (%)"),
            "stages": {"data": _("loading the images"), "cross_validation": _("cross-validation"),
                       "fit": _("training"), "evaluate": _("evaluating on the test split"),
                       "export": _("exporting to ONNX"), "optimize": _("pruning and quantizing"), "done": _("done")},
        },
    })


@login_required
@require_POST
def cancel_run(request, pk: int):
    run = get_object_or_404(TrainingRun, pk=pk)
    if not is_teacher(request.user):
        messages.error(request, _("Only teachers and admins can cancel training runs."))
    else:
        try:
            services.cancel_run(run=run)
            messages.info(request, _("Cancellation requested."))
        except AppError as refused:
            messages.error(request, refused.detail)
    return redirect("training:run", pk=pk)


@login_required
def augmentation_page(request):
    """Pick one of your pictures and see what each augmentation does to it (computed by the worker)."""
    return render(request, "training/augmentation.html", {
        "analyses": analyses_of(user=request.user)[:24],
        "defaults": AugmentConfig(),
        "js_strings": {"working": _("The worker is preparing the pictures…"), "failed": _("It did not work. Try again.")},
    })
