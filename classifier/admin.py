from django.contrib import admin

from classifier.models import Analysis, StoredImage


@admin.register(StoredImage)
class StoredImageAdmin(admin.ModelAdmin):
    list_display = ["sha256", "original_name", "format", "width", "height", "uploaded_by", "created_at"]
    search_fields = ["sha256", "original_name"]


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    list_display = ["id", "image", "label", "unusual_score", "user", "model_version", "created_at"]
    list_filter = ["label", "model_version"]
