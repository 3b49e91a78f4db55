from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("", views.runs_page, name="runs"),
    path("augmentation/", views.augmentation_page, name="augmentation"),
    path("<int:pk>/", views.run_page, name="run"),
    path("<int:pk>/cancel/", views.cancel_run, name="cancel"),
]
