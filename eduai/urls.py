from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from classifier.urls import api_urlpatterns as classifier_api
from edge import urls as edge_urls
from eduai import api as classes_api
from eduai import views as classes_views
from inside import urls as inside_urls
from labeling import urls as labeling_urls
from lessons import urls as lessons_urls
from ml_models import urls as models_urls
from training import urls as training_urls
from training import views as training_views

# /api/v1/classes/<class_id>/...: everything that belongs to one class (404 for people outside it)
class_api = [
    path("", classes_api.ClassDetailApi.as_view(), name="class-detail"),
    path("join-code/", classes_api.ClassJoinCodeApi.as_view(), name="class-join-code"),
    path("members/", classes_api.MemberListApi.as_view(), name="class-members"),
    path("members/<int:user_id>/", classes_api.MemberDetailApi.as_view(), name="class-member"),
    *labeling_urls.class_api_urlpatterns,
    *training_urls.class_api_urlpatterns,
    *models_urls.class_api_urlpatterns,
    *lessons_urls.class_api_urlpatterns,
    *edge_urls.class_api_urlpatterns,
]

api_v1 = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", classes_api.MeApi.as_view(), name="me"),
    path("classes/", classes_api.ClassListCreateApi.as_view(), name="classes"),
    path("classes/join/", classes_api.ClassJoinApi.as_view(), name="class-join"),
    path("classes/<int:class_id>/", include(class_api)),
    path("jobs/<int:pk>/", classes_api.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<int:pk>/cancel/", classes_api.JobCancelApi.as_view(), name="job-cancel"),
    *classifier_api,
    *labeling_urls.api_urlpatterns,
    *training_urls.api_urlpatterns,
    *models_urls.api_urlpatterns,
    *lessons_urls.api_urlpatterns,
    *inside_urls.api_urlpatterns,
    *edge_urls.api_urlpatterns,
]

classes_pages = ([
    path("", classes_views.ClassesPage.as_view(), name="list"),
    path("current/", classes_views.choose_class, name="choose"),
    path("<int:class_id>/", classes_views.ClassDetailPage.as_view(), name="detail"),
    re_path(r"^(?P<class_id>[0-9]+)/(?P<action>new-code|rename|make-teacher|make-student|remove)/$",
            classes_views.ClassAction.as_view(), name="action"),
], "classes")

urlpatterns = [
    path("", include("classifier.urls")),
    path("classes/", include(classes_pages)),
    path("classes/<int:class_id>/labeling/", include("labeling.urls")),
    path("classes/<int:class_id>/training/", include("training.urls")),
    path("classes/<int:class_id>/models/", include("ml_models.urls")),
    path("classes/<int:class_id>/", include((lessons_urls.class_urlpatterns, "lessons_class"))),
    path("lessons/", include("lessons.urls")),
    path("inside/", include("inside.urls")),
    path("edge/", include("edge.urls")),
    path("labeling/", classes_views.current_class_section, {"section": "labeling"}, name="labeling-current"),
    path("training/", classes_views.current_class_section, {"section": "training"}, name="training-current"),
    path("training/augmentation/", training_views.augmentation_page, name="augmentation"),
    path("models/", classes_views.current_class_section, {"section": "models"}, name="models-current"),
    path("glossary/", classes_views.GlossaryPage.as_view(), name="glossary"),
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
