from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eduai.permissions import is_admin
from eduai.errors import AppError
from ml_models import services
from ml_models.models import Activation, ModelVersion


@login_required
def models_page(request):
    versions = ModelVersion.objects.select_related("training_run").order_by("-created_at", "-id")
    return render(request, "ml_models/models.html", {
        "versions": versions,
        "can_activate": is_admin(request.user),
        "activations": Activation.objects.select_related("version", "previous", "activated_by")[:10],
    })


@login_required
@require_POST
def activate(request, pk: int):
    version = get_object_or_404(ModelVersion, pk=pk)
    return _admin_action(request, lambda: services.activate_version(version=version, user=request.user))


@login_required
@require_POST
def rollback(request):
    return _admin_action(request, lambda: services.rollback(user=request.user))


def _admin_action(request, action):
    if not is_admin(request.user):
        messages.error(request, _("Only admins can change the active model."))
    else:
        try:
            version = action()
            messages.success(request, _("%(version)s is now active: every analysis uses it from now on.")
                             % {"version": version})
        except AppError as refused:
            messages.error(request, refused.detail)
    return redirect("ml_models:models")
