from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health


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
