from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from ml_models.models import ModelVersion
from ml_models.tasks import verify_artifacts


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "kind", "is_active", "created_at"]
    readonly_fields = ["sha256", "signature", "metrics", "created_at"]
    actions = ["verify_in_worker"]

    @admin.action(description=_("Verify the artifacts in the worker"))
    def verify_in_worker(self, request, queryset):
        for version in queryset:
            verify_artifacts.delay(str(settings.MODELS_DIR / version.artifact_dir))
        self.message_user(request, _("Verification queued; the worker log shows the result."), messages.INFO)
