from django.urls import path

from ml_models import views

app_name = "ml_models"

urlpatterns = [
    path("", views.models_page, name="models"),
    path("rollback/", views.rollback, name="rollback"),
    path("<int:pk>/activate/", views.activate, name="activate"),
]
