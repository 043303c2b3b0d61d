from __future__ import annotations

from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    # Public, stable addresses: printed in QR codes and credentials, so they never change.
    path("sertifikat/", views.verify_form, name="verify_form"),
    path("sertifikat/kunci.json", views.issuer_keys, name="keys"),
    path("sertifikat/penerbit.json", views.issuer_profile, name="issuer"),
    path("sertifikat/status.json", views.status_list, name="status_list"),
    path("sertifikat/saya/", views.my_certificates, name="mine"),
    path("sertifikat/saya/<int:certificate_id>.pdf", views.my_pdf, name="my_pdf"),
    path("sertifikat/saya/<int:certificate_id>.jwt", views.my_credential, name="my_credential"),
    path("penyelenggara/angkatan/<int:cohort_id>/sertifikat/", views.cohort_certificates, name="cohort"),
    path("penyelenggara/angkatan/<int:cohort_id>/sertifikat/status/", views.issue_status, name="issue_status"),
    path("penyelenggara/angkatan/<int:cohort_id>/sertifikat/terbitkan/", views.issue_all, name="issue_all"),
    path("penyelenggara/angkatan/<int:cohort_id>/sertifikat/pejabat/", views.cohort_official, name="cohort_official"),
    path("penyelenggara/angkatan/<int:cohort_id>/sertifikat/semua.zip", views.cohort_zip, name="zip"),
    path("penyelenggara/sertifikat/<int:certificate_id>/cabut/", views.revoke, name="revoke"),
    path("penyelenggara/sertifikat/<int:certificate_id>/terbitkan-ulang/", views.reissue, name="reissue"),
    path("penyelenggara/sertifikat/<int:certificate_id>.pdf", views.organiser_pdf, name="organiser_pdf"),
    path("penyelenggara/sertifikat/pejabat/", views.officials, name="officials"),
    path("sertifikat/<path:number>/", views.verify, name="verify"),
]
