from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

# The admin login goes through allauth's: the same rate limits and two-factor check as the site.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = f"Literasi {settings.LITERASI_ISSUER_SHORT_NAME}"
admin.site.site_title = f"Literasi {settings.LITERASI_ISSUER_SHORT_NAME}"

urlpatterns = [
    # Every app's URLs are included by name, so literasi imports none of the apps above it.
    path("", include("courses.site_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("penyelenggara/", include("cohorts.site_urls")),
    path("penyelenggara/", include("cohorts.urls")),
    path("pemantauan/", include("monitoring.urls")),
    path("", include("certificates.urls")),
    path("kursus/", include("courses.urls")),
    path("kuis/", include("quizzes.urls")),
    path("akun/", include("allauth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
