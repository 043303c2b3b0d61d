from __future__ import annotations

from django.urls import path

from . import views

app_name = "quizzes"
urlpatterns = [
    path("<int:quiz_id>/", views.quiz_detail, name="detail"),
    path("<int:quiz_id>/mulai/", views.quiz_start, name="start"),
    path("percobaan/<int:attempt_id>/", views.attempt_take, name="attempt"),
    path("percobaan/<int:attempt_id>/hasil/", views.attempt_result, name="result"),
    path("percobaan/<int:attempt_id>/status/", views.attempt_result_status, name="result_status"),
]
