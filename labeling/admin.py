from django.contrib import admin

from labeling.models import Adjudication, ClassImage, GoldImage, Label, LabelingSettings


@admin.register(ClassImage)
class ClassImageAdmin(admin.ModelAdmin):
    list_display = ["image", "classroom", "shared_by", "added_at"]
    list_filter = ["classroom"]
    search_fields = ["image__sha256", "original_name"]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["image", "classroom", "value", "labeler", "strategy", "created_at"]
    list_filter = ["classroom", "value", "strategy"]
    search_fields = ["labeler", "image__sha256"]


@admin.register(Adjudication)
class AdjudicationAdmin(admin.ModelAdmin):
    list_display = ["image", "classroom", "value", "decided_by", "created_at"]
    list_filter = ["classroom"]


@admin.register(GoldImage)
class GoldImageAdmin(admin.ModelAdmin):
    list_display = ["image", "classroom", "value", "created_by", "created_at"]
    list_filter = ["classroom"]


@admin.register(LabelingSettings)
class LabelingSettingsAdmin(admin.ModelAdmin):
    list_display = ["classroom", "labels_per_image", "suggestion", "default_strategy"]
