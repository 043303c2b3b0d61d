from __future__ import annotations

from django.urls import path

from . import views

app_name = "cohorts"
urlpatterns = [
    path("angkatan/baru/", views.cohort_create, name="create"),
    path("angkatan/<int:cohort_id>/", views.cohort_detail, name="detail"),
    path("angkatan/<int:cohort_id>/ubah/", views.cohort_edit, name="edit"),
    path("angkatan/<int:cohort_id>/ekspor.<str:fmt>", views.cohort_export, name="export"),
    path("angkatan/<int:cohort_id>/unggah/", views.upload_create, name="upload_create"),
    path("angkatan/<int:cohort_id>/peserta/tambah/", views.participant_add, name="participant_add"),
    path("angkatan/<int:cohort_id>/peserta/<int:user_id>/hapus/", views.participant_remove, name="participant_remove"),
    path("unggahan/<int:upload_id>/", views.upload_detail, name="upload"),
    path("unggahan/<int:upload_id>/status/", views.upload_status, name="upload_status"),
    path("unggahan/<int:upload_id>/konfirmasi/", views.upload_confirm, name="upload_confirm"),
]
