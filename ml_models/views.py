from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from eduai import policies
from eduai.class_scope import ClassPage
from eduai.errors import AppError, not_found
from ml_models import selectors, services
from ml_models.core.artifacts import ONNX_FILE
from ml_models.core.contract import SCHEMA

ARTIFACT_NAMES = {  # by the `kind` the training pipeline gives each exported file
    "keras": gettext_lazy("Keras (float)"), "onnx": gettext_lazy("ONNX (float)"),
    "onnx_served": gettext_lazy("ONNX served (float, with the ImageNet outputs for tags)"),
    "onnx_served_int8": gettext_lazy("ONNX served INT8 (for the browser, with the ImageNet outputs for tags)"),
    "onnx_int8": gettext_lazy("ONNX INT8"), "tflite_float": gettext_lazy("TFLite (float)"),
    "tflite_dynamic": gettext_lazy("TFLite, INT8 weights (dynamic range)"), "tflite_int8": gettext_lazy("TFLite INT8"),
    "onnx_pruned": gettext_lazy("ONNX pruned (%(percent)s of the weights at zero)"),
}


def artifact_label(row: dict) -> str:
    from django.utils.formats import number_format

    name = ARTIFACT_NAMES.get(row.get("kind"))
    if name is None:
        return row.get("artifact", row.get("file", ""))
    return str(name) % {"percent": f"{number_format(100 * row.get('sparsity', 0), 0)} %"}


def version_rows(versions, serving) -> list[dict]:
    """What the models page shows of each version: files with names in the page's language."""
    rows = []
    for version in versions:
        artifacts = (version.metrics or {}).get("artifacts") or [{"kind": "onnx_served", "file": ONNX_FILE}]
        rows.append({"version": version, "active": serving is not None and version.pk == serving.pk,
                     "servable": (version.signature or {}).get("schema") == SCHEMA,
                     "files": [(row["file"], artifact_label(row)) for row in artifacts]})
    return rows


class ModelsPage(ClassPage, TemplateView):
    """The versions the class can use, which one answers now, and (admins) activation and rollback."""

    template_name = "ml_models/models.html"

    def get_context_data(self, **kwargs):
        serving = selectors.serving_version(classroom=self.classroom)
        return {
            **super().get_context_data(**kwargs),
            "rows": version_rows(selectors.versions_for(self.classroom), serving),
            "serving": serving,
            "can_activate": policies.can_manage_models(self.request.user),
            "activations": selectors.activations_of(self.classroom),
        }


class _AdminAction(ClassPage, View):
    def post(self, request, class_id: int, **kwargs):
        if not policies.can_manage_models(request.user):
            raise PermissionDenied
        try:
            version = self.act(request, **kwargs)
            messages.success(request, _("%(version)s now answers for %(class)s, from the next analysis on.")
                             % {"version": version, "class": self.classroom})
        except AppError as refused:
            messages.error(request, refused.detail)
        return redirect("ml_models:models", self.classroom.pk)


class Activate(_AdminAction):
    def act(self, request, pk: int):
        version = selectors.versions_for(self.classroom).filter(pk=pk).first()
        if version is None:
            raise not_found()
        return services.activate_version(version=version, classroom=self.classroom, user=request.user)


class Rollback(_AdminAction):
    def act(self, request):
        return services.rollback(classroom=self.classroom, user=request.user)
