"""The site's URLs plus a bare view, for benchmarks only (bench.settings points ROOT_URLCONF here)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from literasi.urls import urlpatterns as site_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), *site_urlpatterns]
