from django.urls import path

from inside import api, views

app_name = "inside"

urlpatterns = [
    path("", views.inside_page, name="page"),
]

api_urlpatterns = [
    path("models/<int:pk>/architecture/", api.ModelArchitectureApi.as_view(), name="api-model-architecture"),
    path("analyses/<int:pk>/layers/<str:name>/", api.LayerMapsApi.as_view(), name="api-analysis-layer"),
    path("analyses/<int:pk>/filters/", api.FiltersApi.as_view(), name="api-analysis-filters"),
    path("analyses/<int:pk>/neuron/", api.NeuronApi.as_view(), name="api-analysis-neuron"),
    path("analyses/<int:pk>/occlusion/", api.OcclusionApi.as_view(), name="api-analysis-occlusion"),
    path("analyses/<int:pk>/occlusion-map/", api.OcclusionMapApi.as_view(), name="api-analysis-occlusion-map"),
    path("analyses/<int:pk>/faithfulness/", api.FaithfulnessApi.as_view(), name="api-analysis-faithfulness"),
    path("analyses/<int:pk>/sanity-check/", api.SanityCheckApi.as_view(), name="api-analysis-sanity-check"),
]
