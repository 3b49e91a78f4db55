from django.urls import path

from classifier import api, views

app_name = "classifier"

urlpatterns = [
    path("", views.analyze_page, name="analyze"),
    path("analyses/<int:pk>/image/", views.analysis_image, name="analysis-image"),
    path("analyses/<int:pk>/heatmap.png", views.analysis_heatmap, name="analysis-heatmap"),
    path("analyses/<int:pk>/heatmap-fixed.png", views.analysis_heatmap_fixed, name="analysis-heatmap-fixed"),
]

api_urlpatterns = [
    path("analyses/", api.AnalysisListCreateApi.as_view(), name="api-analyses"),
    path("analyses/<int:pk>/", api.AnalysisDetailApi.as_view(), name="api-analysis-detail"),
]
