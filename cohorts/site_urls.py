"""The organisers' landing page, included by literasi.urls without the cohorts namespace
(``{% url 'organiser_home' %}``)."""

from __future__ import annotations

from django.urls import path

from .views import organiser_home

urlpatterns = [path("", organiser_home, name="organiser_home")]
