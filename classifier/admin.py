from django.contrib import admin

from classifier.models import Analysis, StoredImage


@admin.register(StoredImage)
class StoredImageAdmin(admin.ModelAdmin):
    list_display = ["sha256", "format", "width", "height", "uploaded_by", "created_at"]
    search_fields = ["sha256"]


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    """Admins see every analysis here (and only here: in the app, analyses are their owners')."""

    list_display = ["id", "original_name", "label", "unusual_score", "user", "classroom", "model_version", "created_at"]
    list_filter = ["label", "model_version", "classroom"]
    search_fields = ["original_name", "user__username", "image__sha256"]
