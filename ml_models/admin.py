"""Admin for the model registry: it reads everything and changes nothing except through the services
(activation per class, checked first); versions are added only by `prepare_models` and training runs,
and one that served a class or was produced by a run can never be deleted."""
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eduai.errors import AppError
from eduai.models import Classroom
from ml_models import services
from ml_models.models import Activation, ModelVersion


class ActivateForm(ActionForm):
    classroom = forms.ModelChoiceField(queryset=Classroom.objects.all(), required=False, label=gettext_lazy("class"),
                                       empty_label=gettext_lazy("(choose the class)"))


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "kind", "classroom", "created_at"]
    list_filter = ["kind", "classroom"]
    readonly_fields = ["name", "version", "kind", "classroom", "artifact_dir", "sha256", "signature", "metrics",
                       "created_at"]
    actions = ["activate", "verify_in_worker"]
    action_form = ActivateForm

    def has_add_permission(self, request):
        return False  # versions come from prepare_models and training runs, with their checked artifacts

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or services.can_delete(obj))

    @admin.action(description=gettext_lazy("Activate the selected version for the chosen class"))
    def activate(self, request, queryset):
        classroom = Classroom.objects.filter(pk=request.POST.get("classroom") or None).first()
        if queryset.count() != 1 or classroom is None:
            self.message_user(request, _("Select exactly one version and choose the class."), messages.WARNING)
            return
        try:
            version = services.activate_version(version=queryset.get(), classroom=classroom, user=request.user)
        except AppError as refused:
            self.message_user(request, refused.detail, messages.ERROR)
        else:
            self.message_user(request, _("%(version)s now answers for %(class)s, from the next analysis on.")
                              % {"version": version, "class": classroom}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Verify the artifacts in the worker"))
    def verify_in_worker(self, request, queryset):
        from ml_models.tasks import verify_artifacts

        for version in queryset:
            verify_artifacts.delay(str(settings.MODELS_DIR / version.artifact_dir))
        self.message_user(request, _("Verification queued; the worker log shows the result."), messages.INFO)


@admin.register(Activation)
class ActivationAdmin(admin.ModelAdmin):
    list_display = ["activated_at", "classroom", "version", "previous", "is_rollback", "activated_by"]
    list_filter = ["classroom"]
    readonly_fields = ["classroom", "version", "previous", "activated_by", "is_rollback", "activated_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the history of what answered for a class
