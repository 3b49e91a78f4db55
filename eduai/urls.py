from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from classifier.urls import api_urlpatterns as classifier_api
from labeling.urls import api_urlpatterns as labeling_api
from ml_models import api as models_api
from training import api as training_api

api_v1 = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    *classifier_api,
    *labeling_api,
    path("training-runs/", training_api.RunListCreateApi.as_view(), name="training-runs"),
    path("training-runs/<int:pk>/", training_api.RunDetailApi.as_view(), name="training-run-detail"),
    path("training-runs/<int:pk>/cancel/", training_api.RunCancelApi.as_view(), name="training-run-cancel"),
    path("augmentation-previews/", training_api.AugmentationPreviewApi.as_view(), name="augmentation-previews"),
    path("augmentation-previews/<str:task_id>/", training_api.AugmentationPreviewResultApi.as_view(),
         name="augmentation-preview"),
    path("models/", models_api.ModelListApi.as_view(), name="models"),
    path("models/rollback/", models_api.ModelRollbackApi.as_view(), name="model-rollback"),
    path("models/<int:pk>/", models_api.ModelDetailApi.as_view(), name="model-detail"),
    path("models/<int:pk>/activate/", models_api.ModelActivateApi.as_view(), name="model-activate"),
    path("models/<int:pk>/files/<str:file_name>", models_api.ModelFileApi.as_view(), name="model-file"),
]

urlpatterns = [
    path("", include("classifier.urls")),
    path("labeling/", include("labeling.urls")),
    path("training/", include("training.urls")),
    path("models/", include("ml_models.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "classifier"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

handler400 = "eduai.error_views.bad_request"
handler403 = "eduai.error_views.permission_denied"
handler404 = "eduai.error_views.page_not_found"
handler500 = "eduai.error_views.server_error"
