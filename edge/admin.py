from django.contrib import admin

from edge.models import DeviceMeasurement


@admin.register(DeviceMeasurement)
class DeviceMeasurementAdmin(admin.ModelAdmin):
    list_display = ("device", "classroom", "user", "model_version", "backend", "threads", "created")
    list_filter = ("backend", "source")
    search_fields = ("device", "user__username")
    raw_id_fields = ("classroom", "user", "model_version")
