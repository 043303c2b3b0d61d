"""The site's home page, included at the root by literasi.urls (without the courses namespace, so
``{% url 'home' %}`` and ``LOGIN_REDIRECT_URL = "home"`` keep working)."""

from __future__ import annotations

from django.urls import path

from .views import home

urlpatterns = [path("", home, name="home")]
