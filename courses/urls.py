from __future__ import annotations

from django.urls import path

from . import views

app_name = "courses"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("saya/", views.my_courses, name="mine"),
    path("<slug:slug>/", views.course_detail, name="detail"),
    path("<slug:slug>/daftar/", views.course_enrol, name="enrol"),
    path("<slug:slug>/lanjutkan/", views.course_resume, name="resume"),
    path("<slug:slug>/materi/<slug:lesson>/", views.lesson_detail, name="lesson"),
    path("<slug:slug>/materi/<slug:lesson>/selesai/", views.lesson_complete, name="lesson_complete"),
    path("<slug:slug>/materi/<slug:lesson>/refleksi/", views.reflection_save, name="reflection"),
]
