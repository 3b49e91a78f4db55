from django.urls import path

from ml_models import api, views

app_name = "ml_models"

# pages, under /classes/<class_id>/models/
urlpatterns = [
    path("", views.ModelsPage.as_view(), name="models"),
    path("rollback/", views.Rollback.as_view(), name="rollback"),
    path("<int:pk>/activate/", views.Activate.as_view(), name="activate"),
]

# API, under /api/v1/classes/<class_id>/
class_api_urlpatterns = [
    path("models/", api.ClassModelListApi.as_view(), name="class-models"),
    path("models/rollback/", api.ClassModelRollbackApi.as_view(), name="class-model-rollback"),
    path("models/<int:pk>/activate/", api.ClassModelActivateApi.as_view(), name="class-model-activate"),
]

# API under /api/v1/
api_urlpatterns = [
    path("models/<int:pk>/", api.ModelDetailApi.as_view(), name="model-detail"),
    path("models/<int:pk>/files/<str:file_name>", api.ModelFileApi.as_view(), name="model-file"),
]
