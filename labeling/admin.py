from django.contrib import admin

from labeling.models import Adjudication, GoldImage, Label, LabelingSettings, LearningCurve


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["image", "value", "labeler", "strategy", "created_at"]
    list_filter = ["value", "strategy"]
    search_fields = ["labeler", "image__original_name", "image__sha256"]


@admin.register(Adjudication)
class AdjudicationAdmin(admin.ModelAdmin):
    list_display = ["image", "value", "decided_by", "created_at"]


@admin.register(GoldImage)
class GoldImageAdmin(admin.ModelAdmin):
    list_display = ["image", "value", "created_by", "created_at"]


@admin.register(LabelingSettings)
class LabelingSettingsAdmin(admin.ModelAdmin):
    list_display = ["labels_per_image", "suggestion", "default_strategy"]


@admin.register(LearningCurve)
class LearningCurveAdmin(admin.ModelAdmin):
    list_display = ["created_at", "status", "created_by"]
