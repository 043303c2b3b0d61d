from __future__ import annotations

from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("provinsi/<str:code>/", views.province, name="province"),
    path("jp/", views.jp_overview, name="jp"),
    path("jp/peserta/<int:user_id>/", views.jp_ledger, name="jp_ledger"),
    path("ekspor/provinsi.<str:fmt>", views.export_provinces, name="export_provinces"),
    path("ekspor/siasn/", views.export_siasn, name="export_siasn"),
    path("ekspor/siasn.<str:fmt>", views.export_siasn_moved),
    path("ekspor/", views.exports_list, name="exports"),
    path("ekspor/status/", views.exports_status, name="exports_status"),
    path("ekspor/<int:export_id>/unduh/", views.export_download, name="export_download"),
]
