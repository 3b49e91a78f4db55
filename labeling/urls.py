from django.urls import path

from labeling import api, views

app_name = "labeling"

# pages, under /classes/<class_id>/labeling/
urlpatterns = [
    path("", views.OverviewPage.as_view(), name="overview"),
    path("settings/", views.SettingsUpdate.as_view(), name="settings"),
    path("import/", views.LabelsImport.as_view(), name="import"),
    path("queue/", views.QueuePage.as_view(), name="queue"),
    path("images/", views.GalleryPage.as_view(), name="gallery"),
    path("images/<int:pk>/", views.ImagePage.as_view(), name="image"),
    path("images/<int:pk>/file/", views.ImageFile.as_view(), name="image-file"),
    path("images/<int:pk>/<str:action>/", views.TeacherDecision.as_view(), name="decide"),
    path("disputes/", views.DisputesPage.as_view(), name="disputes"),
    path("agreement/", views.AgreementPage.as_view(), name="agreement"),
    path("learning-curve/", views.LearningCurvePage.as_view(), name="learning-curve"),
    path("learning-curve/start/", views.LearningCurveStart.as_view(), name="learning-curve-start"),
]

# API, under /api/v1/classes/<class_id>/
class_api_urlpatterns = [
    path("images/", api.ImageListUploadApi.as_view(), name="images"),
    path("images/<int:pk>/", api.ImageDetailApi.as_view(), name="image-detail"),
    path("images/<int:pk>/adjudication/", api.AdjudicationApi.as_view(), name="image-adjudication"),
    path("images/<int:pk>/gold/", api.GoldApi.as_view(), name="image-gold"),
    path("labeling/next/", api.NextImageApi.as_view(), name="labeling-next"),
    path("labeling/labels/", api.LabelCreateApi.as_view(), name="labeling-labels"),
    path("labeling/skip/", api.SkipApi.as_view(), name="labeling-skip"),
    path("labeling/undo/", api.UndoApi.as_view(), name="labeling-undo"),
    path("labeling/disputes/", api.DisputesApi.as_view(), name="labeling-disputes"),
    path("labeling/agreement/", api.AgreementApi.as_view(), name="labeling-agreement"),
    path("labeling/settings/", api.SettingsApi.as_view(), name="labeling-settings"),
    path("labeling/export/<str:file_format>/", api.ExportApi.as_view(), name="labeling-export"),
    path("labeling/import/", api.ImportApi.as_view(), name="labeling-import"),
    path("labeling/learning-curves/", api.LearningCurveListApi.as_view(), name="learning-curves"),
    path("labeling/learning-curves/<int:pk>/", api.LearningCurveDetailApi.as_view(), name="learning-curve-detail"),
    path("labeling/history/", api.VersionHistoryApi.as_view(), name="labeling-history"),
]

# API on your own analyses, under /api/v1/
api_urlpatterns = [
    path("analyses/<int:pk>/share/", api.ShareApi.as_view(), name="analysis-share"),
    path("analyses/<int:pk>/model-is-wrong/", api.ModelWrongApi.as_view(), name="analysis-model-wrong"),
]
