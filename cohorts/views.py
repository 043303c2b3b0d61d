from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from literasi.errors import Refusal
from literasi.http import AuthenticatedRequest, or_404, polled_login_required
from literasi.roles import roles_of
from literasi.selectors import provinces_managed_by, provinces_with_registered

from . import exports, selectors, services
from .forms import CohortForm, ParticipantFilterForm, ParticipantForm, UploadForm
from .models import Upload, UploadRow
from .spreadsheets import size_refusal

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@login_required
def organiser_home(request: AuthenticatedRequest) -> HttpResponse:
    """The organiser's and national admin's landing page: their provinces and cohorts."""
    if not roles_of(request.user).is_staff_role:
        raise Http404
    return render(
        request,
        "literasi/organiser_home.html",
        {
            "provinces": provinces_with_registered(request.user),
            "cohorts": selectors.cohort_list(user=request.user),
        },
    )


@login_required
def cohort_create(request: AuthenticatedRequest) -> HttpResponse:
    provinces = provinces_managed_by(request.user)
    if not provinces.exists():
        raise Http404
    form = CohortForm(request.POST or None, provinces=provinces, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        cohort = services.cohort_create(organiser=request.user, **form.cleaned_data)
        messages.success(request, _("The cohort was created."))
        return redirect("cohorts:detail", cohort_id=cohort.pk)
    return render(request, "cohorts/cohort_form.html", {"form": form})


@login_required
def cohort_edit(request: AuthenticatedRequest, cohort_id: int) -> HttpResponse:
    cohort = or_404(selectors.cohort_for(user=request.user, cohort_id=cohort_id))
    form = CohortForm(request.POST or None, instance=cohort, provinces=provinces_managed_by(request.user))
    for locked in ("province", "course", "year"):
        form.fields[locked].disabled = True
    if request.method == "POST" and form.is_valid():
        services.cohort_update(organiser=request.user, cohort=cohort, **form.cleaned_data)
        messages.success(request, _("The cohort was saved."))
        return redirect("cohorts:detail", cohort_id=cohort.pk)
    return render(request, "cohorts/cohort_form.html", {"form": form, "cohort": cohort})


@login_required
def cohort_detail(request: AuthenticatedRequest, cohort_id: int) -> HttpResponse:
    cohort = or_404(selectors.cohort_for(user=request.user, cohort_id=cohort_id))
    filters = ParticipantFilterForm(request.GET or None)
    search, status = "", ""
    if filters.is_valid():
        search, status = filters.cleaned_data["q"], filters.cleaned_data["status"]
    rows = selectors.participants(cohort=cohort, search=search, status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cohorts/cohort_detail.html",
        {
            "cohort": cohort,
            "page": page,
            "filters": filters,
            "query": request.GET.urlencode(),
            "upload_form": UploadForm(),
            "participant_form": ParticipantForm(),
            "events": selectors.recent_events(cohort=cohort),
            "uploads": cohort.uploads.select_related("uploaded_by")[:10],
            "lesson_total": cohort.course.lessons.filter(is_published=True).count(),
        },
    )


@login_required
def cohort_export(request: AuthenticatedRequest, cohort_id: int, fmt: str) -> HttpResponse:
    cohort = or_404(selectors.cohort_for(user=request.user, cohort_id=cohort_id))
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    rows = selectors.participants(cohort=cohort, search=request.GET.get("q", ""), status=request.GET.get("status", ""))
    name = f"peserta-{cohort.province_id}-{cohort.year}-{cohort.sequence:04d}"
    if fmt == "xlsx":
        response = HttpResponse(
            exports.as_xlsx(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(exports.as_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_POST
def upload_create(request: AuthenticatedRequest, cohort_id: int) -> HttpResponse:
    cohort = or_404(selectors.cohort_for(user=request.user, cohort_id=cohort_id))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV or XLSX file to upload."))
        return redirect("cohorts:detail", cohort_id=cohort.pk)
    if refusal := size_refusal(form.cleaned_data["file"].size):
        messages.error(request, refusal)
        return redirect("cohorts:detail", cohort_id=cohort.pk)
    upload = services.upload_create(cohort=cohort, uploaded_by=request.user, file=form.cleaned_data["file"])
    return redirect("cohorts:upload", upload_id=upload.pk)


# What each outcome means on the page: before confirming, what will happen to the row; once
# applied, what did (the apply checks every row again, so a row may end differently).
_PREVIEW_LABELS: dict[str, StrOrPromise] = dict(UploadRow.Outcome.choices)
_APPLIED_LABELS: dict[str, StrOrPromise] = {
    UploadRow.Outcome.NEW: _lazy("Enrolled, new account"),
    UploadRow.Outcome.LINKED: _lazy("Enrolled, existing account"),
    UploadRow.Outcome.ALREADY: _lazy("Already in this cohort, unchanged"),
    UploadRow.Outcome.ERROR: _lazy("Not enrolled"),
}


def _upload_context(request: HttpRequest, upload: Upload) -> dict:
    rows = upload.rows.all()
    show = request.GET.get("show", "")
    if show in UploadRow.Outcome.values:
        rows = rows.filter(outcome=show)
    done = services.upload_progress(upload=upload)
    percent = round(100 * done / upload.total_rows) if upload.total_rows else 0
    # The rows are shown once checked; the panel polled while checking or applying counts none.
    shown = upload.state in (Upload.State.READY, Upload.State.APPLIED)
    page = Paginator(rows, 100).get_page(request.GET.get("page")) if shown else None
    labels = _APPLIED_LABELS if upload.state == Upload.State.APPLIED else _PREVIEW_LABELS
    shown_rows = [(row, labels[row.outcome]) for row in page or ()]
    outcomes = [(value, labels[value], (upload.counts or {}).get(value, 0)) for value in UploadRow.Outcome.values]
    return {"upload": upload, "cohort": upload.cohort, "page": page, "rows": shown_rows, "show": show, "outcomes": outcomes,
            "percent": min(percent, 100)}  # fmt: skip


@login_required
def upload_detail(request: AuthenticatedRequest, upload_id: int) -> HttpResponse:
    upload = or_404(selectors.upload_for(user=request.user, upload_id=upload_id))
    return render(request, "cohorts/upload_detail.html", _upload_context(request, upload))


@polled_login_required(page="cohorts:upload")
def upload_status(request: AuthenticatedRequest, upload_id: int) -> HttpResponse:
    """The progress panel alone, polled by htmx while a file is checked or applied."""
    upload = or_404(selectors.upload_for(user=request.user, upload_id=upload_id))
    return render(request, "cohorts/_upload_panel.html", _upload_context(request, upload))


@login_required
@require_POST
def upload_confirm(request: AuthenticatedRequest, upload_id: int) -> HttpResponse:
    upload = or_404(selectors.upload_for(user=request.user, upload_id=upload_id))
    services.upload_confirm(upload=upload, actor=request.user)
    return redirect("cohorts:upload", upload_id=upload.pk)


@login_required
@require_POST
def participant_add(request: AuthenticatedRequest, cohort_id: int) -> HttpResponse:
    cohort = or_404(selectors.cohort_for(user=request.user, cohort_id=cohort_id))
    form = ParticipantForm(request.POST)
    if form.is_valid():
        try:
            outcome = services.participant_add(cohort=cohort, actor=request.user, **form.cleaned_data)
        except Refusal as refusal:
            messages.error(request, refusal.message)
        else:
            if outcome.outcome == UploadRow.Outcome.ALREADY:
                messages.info(request, _("%(email)s is already in this cohort.") % {"email": outcome.email})
            else:
                messages.success(request, _("%(email)s was enrolled.") % {"email": outcome.email})
    else:
        messages.error(request, _("Enter the participant's email address."))
    return redirect("cohorts:detail", cohort_id=cohort.pk)


@login_required
@require_POST
def participant_remove(request: AuthenticatedRequest, cohort_id: int, user_id: int) -> HttpResponse:
    cohort = or_404(selectors.cohort_for(user=request.user, cohort_id=cohort_id))
    if services.participant_remove(cohort=cohort, actor=request.user, learner_id=user_id):
        messages.success(request, _("The participant was removed from the cohort. Their progress is kept."))
    return redirect("cohorts:detail", cohort_id=cohort.pk)
