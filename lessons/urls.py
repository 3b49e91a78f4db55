from django.urls import path

from lessons import api, views

app_name = "lessons"

# pages, under /lessons/
urlpatterns = [
    path("", views.LessonListPage.as_view(), name="list"),
    path("new/", views.LessonEditPage.as_view(), name="new"),
    path("<slug:slug>/", views.LessonPage.as_view(), name="lesson"),
    path("<slug:slug>/edit/", views.LessonEditPage.as_view(), name="edit"),
    path("<slug:slug>/<str:action>/", views.LessonAction.as_view(), name="action"),
    path("<slug:slug>/files/<str:name>", views.LessonFile.as_view(), name="file"),
]

# API under /api/v1/
api_urlpatterns = [
    path("lessons/", api.LessonListCreateApi.as_view(), name="lessons"),
    path("lessons/preview/", api.LessonPreviewApi.as_view(), name="lesson-preview"),
    path("lessons/<slug:slug>/", api.LessonDetailApi.as_view(), name="lesson-detail"),
    path("lessons/<slug:slug>/publish/", api.LessonPublishApi.as_view(), name="lesson-publish"),
    path("lessons/<slug:slug>/unpublish/", api.LessonUnpublishApi.as_view(), name="lesson-unpublish"),
    path("lessons/<slug:slug>/copy/", api.LessonCopyApi.as_view(), name="lesson-copy"),
    path("lessons/<slug:slug>/quiz/", api.LessonQuizApi.as_view(), name="lesson-quiz"),
    path("lessons/<slug:slug>/files/", api.LessonFilesApi.as_view(), name="lesson-files"),
    path("lessons/<slug:slug>/exercises/<str:exercise_id>/done/", api.ExerciseDoneApi.as_view(),
         name="lesson-exercise-done"),
]

# API under /api/v1/classes/<class_id>/
class_api_urlpatterns = [
    path("widgets/<str:name>/", api.WidgetDataApi.as_view(), name="lesson-widget-data"),
    path("progress/", api.ClassProgressApi.as_view(), name="class-progress"),
]

# pages under /classes/<class_id>/
class_urlpatterns = [
    path("progress/", views.ClassProgressPage.as_view(), name="class-progress"),
]
