from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eduai import jobs
from eduai.errors import AppError
from eduai.models import Classroom
from training import services
from training.forms import StartRunForm
from training.models import TrainingRun


class AdminStartRunForm(StartRunForm):
    classroom = forms.ModelChoiceField(queryset=Classroom.objects.all(), label=gettext_lazy("Class"),
                                       help_text=gettext_lazy("Whose labelled pictures it learns from."))

    field_order = ["classroom"]


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    """Runs are started, cancelled and finished only through the services, never edited by hand."""

    list_display = ["id", "classroom", "status", "stage", "created_by", "model_version", "created_at"]
    list_filter = ["classroom", "job__status"]
    readonly_fields = [field.name for field in TrainingRun._meta.fields]
    actions = ["cancel_runs"]

    @admin.display(description=gettext_lazy("status"))
    def status(self, run):
        return run.job.get_status_display()

    @admin.display(description=gettext_lazy("stage"))
    def stage(self, run):
        return jobs.stage_label(run.job)

    def has_delete_permission(self, request, obj=None):
        """A run that produced a version is that version's history: it stays."""
        return super().has_delete_permission(request, obj) and (obj is None or obj.model_version_id is None)

    def add_view(self, request, form_url="", extra_context=None):
        """"Add" starts a run: the same form as the training page, then the worker takes over."""
        form = AdminStartRunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = services.start_run(classroom=form.cleaned_data["classroom"], config=form.config(),
                                         user=request.user)
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
        for run in queryset.select_related("job"):
            try:
                services.cancel_run(run=run)
            except AppError as refused:
                self.message_user(request, f"#{run.pk}: {refused.detail}", messages.WARNING)
