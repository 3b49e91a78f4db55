from django.contrib import admin

from labeling.models import Label


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["image", "value", "source", "user", "created_at"]
    list_filter = ["value", "source"]
