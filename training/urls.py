from django.urls import path

from training import api, views

app_name = "training"

# pages, under /classes/<class_id>/training/
urlpatterns = [
    path("", views.RunsPage.as_view(), name="runs"),
    path("<int:pk>/", views.RunPage.as_view(), name="run"),
    path("<int:pk>/cancel/", views.CancelRun.as_view(), name="cancel"),
]

# API, under /api/v1/classes/<class_id>/
class_api_urlpatterns = [
    path("training-runs/", api.RunListCreateApi.as_view(), name="training-runs"),
    path("training-runs/<int:pk>/", api.RunDetailApi.as_view(), name="training-run-detail"),
    path("training-runs/<int:pk>/cancel/", api.RunCancelApi.as_view(), name="training-run-cancel"),
    path("training-runs/<int:pk>/time-machine/", api.RunTimeMachineApi.as_view(), name="training-run-time-machine"),
]

# API under /api/v1/
api_urlpatterns = [
    path("augmentation-previews/", api.AugmentationPreviewApi.as_view(), name="augmentation-previews"),
]
