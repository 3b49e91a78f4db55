from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from eduai.errors import AppError
from ml_models import services
from ml_models.models import Activation, ModelVersion
from ml_models.tasks import verify_artifacts


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "kind", "is_active", "created_at"]
    readonly_fields = ["sha256", "signature", "metrics", "created_at"]
    actions = ["activate", "verify_in_worker"]

    @admin.action(description=_("Activate the selected version"))
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one version to activate."), messages.WARNING)
            return
        try:
            version = services.activate_version(version=queryset.get(), user=request.user)
        except AppError as refused:
            self.message_user(request, refused.detail, messages.ERROR)
        else:
            self.message_user(request, _("%(version)s is now active: every analysis uses it from now on.")
                              % {"version": version}, messages.SUCCESS)

    @admin.action(description=_("Verify the artifacts in the worker"))
    def verify_in_worker(self, request, queryset):
        for version in queryset:
            verify_artifacts.delay(str(settings.MODELS_DIR / version.artifact_dir))
        self.message_user(request, _("Verification queued; the worker log shows the result."), messages.INFO)


@admin.register(Activation)
class ActivationAdmin(admin.ModelAdmin):
    list_display = ["activated_at", "version", "previous", "is_rollback", "activated_by"]
    readonly_fields = ["version", "previous", "activated_by", "is_rollback", "activated_at"]
