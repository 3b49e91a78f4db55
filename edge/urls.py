from django.urls import path

from edge import api, views

app_name = "edge"

# pages, under /edge/
urlpatterns = [
    path("", views.edge_page, name="page"),
    path("sw.js", views.service_worker, name="sw"),
    path("answer-data.json", views.answer_data, name="answer-data"),
]

# API under /api/v1/classes/<class_id>/
class_api_urlpatterns = [
    path("edge-test-set/", api.EdgeTestSetApi.as_view(), name="class-edge-test-set"),
    path("device-measurements/", api.DeviceMeasurementListApi.as_view(), name="class-device-measurements"),
]

# API under /api/v1/
api_urlpatterns = [
    path("edge/model/", api.EdgeModelApi.as_view(), name="edge-model"),
    path("edge/server-answers/", api.ServerAnswersApi.as_view(), name="edge-server-answers"),
]
