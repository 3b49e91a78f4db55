from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from eduai import policies
from eduai.class_scope import ClassPage
from eduai.errors import AppError, not_found
from ml_models import selectors, services


class ModelsPage(ClassPage, TemplateView):
    """The versions the class can use, which one answers now, and (admins) activation and rollback."""

    template_name = "ml_models/models.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "versions": selectors.versions_for(self.classroom),
            "serving": selectors.serving_version(classroom=self.classroom),
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
