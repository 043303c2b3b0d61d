from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cohorts import selectors as cohort_selectors
from courses import selectors as course_selectors

from . import health
from .roles import roles_of
from .selectors import provinces_with_registered


def home(request: HttpRequest) -> HttpResponse:
    mine = course_selectors.my_courses(user=request.user) if request.user.is_authenticated else []
    return render(request, "home.html", {"my_courses": mine})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """State of the database, the broker and the workers, for load balancers and operators.

    503 only when the database is away: without a broker or worker the site still serves pages
    and keeps submissions, so a load balancer must not take it out of rotation for that.
    """
    database = health.database_ok()
    broker = health.broker_ok()
    workers = health.workers_answering() if broker else 0
    status = "ok" if database and broker and workers else ("error" if not database else "degraded")
    return JsonResponse(
        {
            "status": status,
            "database": "ok" if database else "error",
            "broker": "ok" if broker else "error",
            "workers": workers,
        },
        status=200 if database else 503,
    )


@login_required
def organiser_home(request: HttpRequest) -> HttpResponse:
    if not roles_of(request.user).is_staff_role:
        raise Http404
    provinces = provinces_with_registered(request.user)
    return render(
        request,
        "literasi/organiser_home.html",
        {"provinces": provinces, "cohorts": cohort_selectors.cohort_list(user=request.user)},
    )
