"""Admin for classes and background jobs: it reads everything and changes state only through the
services (a class's active version changes by activation and rollback, a job by cancelling it)."""
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eduai import jobs
from eduai.errors import AppError
from eduai.models import Classroom, Job, Membership, WorkerBeat


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ["name", "join_code", "active_version", "created_by", "created_at"]
    search_fields = ["name", "join_code"]
    readonly_fields = ["active_version", "created_at"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None):
        """A class whose labels trained a version keeps that version's history true."""
        return super().has_delete_permission(request, obj) and (obj is None or not obj.model_versions.exists())


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "classroom", "status", "stage_label", "progress", "owner", "created_at"]
    list_filter = ["kind", "status", "classroom"]
    readonly_fields = [field.name for field in Job._meta.fields] + ["stage_label", "error_message"]
    actions = ["cancel_jobs"]

    @admin.display(description=gettext_lazy("stage"))
    def stage_label(self, job):
        return jobs.stage_label(job)

    @admin.display(description=gettext_lazy("error"))
    def error_message(self, job):
        return jobs.error_message(job)

    def has_add_permission(self, request):
        return False  # jobs are started by the pages and the API

    def has_delete_permission(self, request, obj=None):
        return False  # a job is the history of what the worker did; a training run points at it

    @admin.action(description=gettext_lazy("Cancel the selected jobs"))
    def cancel_jobs(self, request, queryset):
        for job in queryset:
            try:
                jobs.cancel(job)
            except AppError as refused:
                self.message_user(request, f"#{job.pk}: {refused.detail}", messages.WARNING)
        self.message_user(request, _("Cancellation requested."), messages.INFO)


@admin.register(WorkerBeat)
class WorkerBeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "started_at", "last_seen"]
    readonly_fields = ["hostname", "started_at", "last_seen"]

    def has_add_permission(self, request):
        return False
