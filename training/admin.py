from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eduai.errors import AppError
from training import services
from training.forms import StartRunForm
from training.models import TrainingRun


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "stage", "progress", "created_by", "model_version", "created_at"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in TrainingRun._meta.fields]
    actions = ["cancel_runs"]

    def add_view(self, request, form_url="", extra_context=None):
        """"Add" starts a run: the same form as the training page, then the worker takes over."""
        form = StartRunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = services.start_run(config=form.config(), user=request.user)
            except AppError as refused:
                form.add_error(None, refused.detail)
            else:
                self.message_user(request, _("Training run #%(id)s queued.") % {"id": run.pk}, messages.SUCCESS)
                return redirect("admin:training_trainingrun_change", run.pk)
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": _("Start training run")}
        return TemplateResponse(request, "admin/training/start_run.html", context)

    @admin.action(description=gettext_lazy("Cancel the selected runs"))
    def cancel_runs(self, request, queryset):
        for run in queryset:
            try:
                services.cancel_run(run=run)
            except AppError as refused:
                self.message_user(request, f"#{run.pk}: {refused}", messages.WARNING)
