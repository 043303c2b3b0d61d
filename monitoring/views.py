from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from literasi.errors import Refusal
from literasi.http import AuthenticatedRequest, polled_login_required, reload_page
from literasi.models import Province
from literasi.roles import roles_of
from literasi.selectors import provinces_managed_by

from . import charts, exports, selectors, services, tables
from .filters import filters_from, query_of
from .models import RecordsExport
from .selectors import Filters

logger = logging.getLogger(__name__)


def province_columns() -> list[tuple[str, str]]:
    return [("name", _("Province")), ("registered", _("Registered")), *_count_columns()[:4],
            *_count_columns()[4:6], ("active_cohorts", _("Active cohorts")), ("last_activity_at", _("Last activity"))]  # fmt: skip


def _count_columns() -> list[tuple[str, str]]:
    return [("enrolled", _("Enrolled in the course")), ("started", _("Started")), ("completed", _("Completed")),
            ("rate", _("Completion rate")), ("certificates", _("Certificates")), ("jp", _("JP delivered"))]  # fmt: skip


def cohort_columns() -> list[tuple[str, str]]:
    return [("name", _("Cohort")), *_count_columns(), ("last_activity_at", _("Last activity"))]


def agency_columns() -> list[tuple[str, str]]:
    return [("name", _("Agency (instansi)")), *_count_columns(), ("last_activity_at", _("Last activity"))]


def _staff_provinces(request: AuthenticatedRequest):
    if not roles_of(request.user).is_staff_role:
        raise Http404
    return provinces_managed_by(request.user)


def _sort(request: HttpRequest, notes: list[str], default: str = "name") -> str:
    sort = request.GET.get("urut", "") or default
    if sort.lstrip("-") not in selectors.SORTS:
        notes.append(_("Unknown sort order “%(value)s”: sorted by name.") % {"value": sort})
        return default
    return sort


def _charts(*, provinces, filters: Filters, funnel: list[dict], rows=None, every_province: bool = False) -> dict:
    year = filters.year or timezone.localtime().year
    weeks = selectors.completions_per_week(provinces=None if every_province else provinces, filters=filters, year=year)
    pictures = {
        "weekly": charts.weekly_line(weeks, year),
        "funnels": [charts.funnel(f["stages"], f["title"], f"corong-{n}") for n, f in enumerate(funnel)],
    }
    if rows is not None:
        pictures |= {"map": charts.tile_map(rows), "bars": charts.bars(rows)}
    return pictures


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Pemantauan: completion per province (national admins: all 38; organisers: their own)."""
    provinces = _staff_provinces(request)
    if (
        not roles_of(request.user).is_national_admin
        and len(codes := list(provinces.values_list("code", flat=True))) == 1
    ):
        url = redirect("monitoring:province", code=codes[0]).url
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
    filters, notes, choices = filters_from(request.GET)
    sort = _sort(request, notes)
    rows, total, funnel = selectors.province_overview(provinces=provinces, filters=filters)
    query = query_of(filters)
    return render(request, "monitoring/dashboard.html", {
        "province_rows": tables.province_rows(selectors.sort_rows(rows, sort), query), "total": total, "filters": filters, "notes": notes,
        "choices": choices, "sort": sort, "query": query, "by": "province", "funnel": funnel,
        "export_fields": _export_fields(query),
        "province_columns": province_columns(),
        "charts": _charts(provinces=provinces, filters=filters, funnel=funnel, rows=rows,
                          every_province=roles_of(request.user).is_national_admin),
    })  # fmt: skip


@login_required
def province(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """One province: its cohorts (each leading to its participants) and its agencies."""
    province = _staff_provinces(request).filter(code=code).first()
    if province is None:
        raise Http404
    filters, notes, choices = filters_from(request.GET)
    sort = _sort(request, notes)
    rows, total = selectors.cohort_table(province=province, filters=filters)
    agencies = selectors.agency_table(province=province, filters=filters)
    only = Province.objects.filter(code=code)
    funnel = selectors.funnel_per_course(provinces=only, filters=filters)
    query = query_of(filters)
    return render(request, "monitoring/province.html", {
        "province": province, "rows": selectors.sort_rows(rows, sort), "total": total,
        "agencies": selectors.sort_rows(agencies, sort), "filters": filters, "notes": notes, "choices": choices,
        "sort": sort, "query": query, "by": "cohort",
        "export_fields": _export_fields(query, provinsi=province.code),
        "funnel": funnel, "charts": _charts(provinces=only, filters=filters, funnel=funnel),
        "several_provinces": provinces_managed_by(request.user).count() > 1,
        "cohort_columns": cohort_columns(), "agency_columns": agency_columns(),
    })  # fmt: skip


@login_required
def export_provinces(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """The province table as shown (filters and order), CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    provinces = _staff_provinces(request)
    filters, notes, _choices = filters_from(request.GET)
    rows, total = selectors.province_table(provinces=provinces, filters=filters)
    rows = selectors.sort_rows(rows, _sort(request, notes))
    header = [label for _key, label in province_columns()]
    total.name = _("Total")

    def lines():
        for r in [*rows, total]:
            yield [r.name, r.registered, r.enrolled, r.started, r.completed, r.rate, r.certificates, r.jp,
                   r.active_cohorts, timezone.localtime(r.last_activity_at).strftime("%d-%m-%Y %H:%M")
                   if r.last_activity_at else ""]  # fmt: skip

    return exports.response(fmt, "pemantauan-provinsi", header, lines(), sheet=_("Provinces"))


def _export_fields(query: str, **extra: str) -> list[tuple[str, str]]:
    """The hidden fields of the form that asks for the SIASN export of what the page shows."""
    return [*parse_qsl(query), *((k, v) for k, v in extra.items() if v)]


@login_required
@require_POST
def export_siasn(request: AuthenticatedRequest) -> HttpResponse:
    """Ask for the training records for SIASN (one row per valid certificate of the provinces
    managed; ``provinsi`` narrows to one, a province not managed is a 404), with the page's
    filters, as a file written by a batch worker; then the list of the person's exports."""
    provinces = _staff_provinces(request)
    if code := request.POST.get("provinsi", ""):
        provinces = provinces.filter(code=code)
        if not provinces.exists():
            raise Http404
    fmt = request.POST.get("format", "")
    if fmt not in RecordsExport.Format.values:
        messages.error(request, _("Choose CSV or XLSX for the export."))
        return redirect("monitoring:exports")
    filters, notes, _choices = filters_from(request.POST)
    for note in notes:  # as on the pages: an unknown value is left out, and the note says so
        messages.warning(request, note)
    try:
        services.records_export_request(user=request.user, fmt=fmt, provinces=provinces, filters=filters)
    except Refusal as refusal:
        messages.error(request, refusal.message)
    return redirect("monitoring:exports")


@login_required
def export_siasn_moved(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """The old address of the SIASN export (a download in the request): to the page whose button
    now asks for it, with its filters kept."""
    provinces = _staff_provinces(request)
    messages.info(request, _("Training records for SIASN are now written in the background: ask for them with the "
                             "button below, then download them from your exports."))  # fmt: skip
    query = request.GET.copy()
    code = query.pop("provinsi", [""])[-1]
    managed = provinces.filter(code=code).exists() if code else False
    url = reverse("monitoring:province", args=[code]) if managed else reverse("monitoring:dashboard")
    return redirect(f"{url}?{query.urlencode()}" if query else url)


@dataclass(frozen=True)
class ExportRow:
    export: RecordsExport
    scope: str  # its provinces in words
    theirs: bool  # every province in it is still managed by the person who asked for it


def _exports_context(request: AuthenticatedRequest) -> dict:
    """The person's exports, each with what the list shows: its provinces in words and whether
    it can be downloaded (written, and every province in it still theirs)."""
    managed = set(provinces_managed_by(request.user).values_list("code", flat=True))
    every = Province.objects.count()
    rows = []
    for export in selectors.records_exports_of(user=request.user)[:50]:
        provinces = list(export.provinces.all())
        if len(provinces) == every:
            scope = _("All provinces")
        elif len(provinces) > 3:
            scope = ngettext("%(n)d province", "%(n)d provinces", len(provinces)) % {"n": len(provinces)}
        else:
            scope = ", ".join(p.name for p in provinces)
        rows.append(ExportRow(export, scope, theirs=selectors.still_theirs(export, managed)))
    waiting = [r.export.pk for r in rows if r.export.in_progress]
    return {"rows": rows, "waiting": ",".join(map(str, waiting)), "keep_days": settings.EXPORT_KEEP_DAYS}


@login_required
def exports_list(request: AuthenticatedRequest) -> HttpResponse:
    """The exports this person asked for, each with its state and, once written, its download."""
    _staff_provinces(request)
    return render(request, "monitoring/exports.html", _exports_context(request))


@polled_login_required(page="monitoring:exports")
def exports_status(request: AuthenticatedRequest) -> HttpResponse:
    """The list alone, polled by htmx while an export is being written, with a short line for
    screen readers about the exports (``menunggu``: the ids the page was waiting for) that have
    finished since.

    A poll after the session ended, or after the person lost their role, sends the browser to
    the list page, which then asks them to sign in (and comes back) or answers 404. Answered as any other
    request, the login page was swapped into the list, and the 404 kept the page polling every
    two seconds for as long as it stayed open."""
    try:
        _staff_provinces(request)
    except Http404:
        if request.headers.get("HX-Request"):
            return reload_page(reverse("monitoring:exports"))
        raise
    context = _exports_context(request)
    watched = {int(n) for n in request.GET.get("menunggu", "").split(",")[:50] if n.isascii() and n.isdigit()}
    finished = [r for r in context["rows"] if r.export.pk in watched and not r.export.in_progress]
    news = []
    for r in finished:  # named, so two exports finishing one after the other are two lines
        what = {"format": r.export.get_fmt_display(), "when": date_format(timezone.localtime(r.export.requested_at),
                                                                          "j M Y H:i")}  # fmt: skip
        if r.export.state == RecordsExport.State.READY and r.theirs:
            news.append(_("Your %(format)s export of %(when)s is ready to download.") % what)
        else:
            news.append(_("Your %(format)s export of %(when)s could not be written.") % what)
    return render(request, "monitoring/_exports_table.html", context | {"news": " ".join(news)})


@never_cache
@login_required
def export_download(request: AuthenticatedRequest, export_id: int) -> FileResponse:
    """The file of a written export, for the person who asked for it only, and only while they
    still manage every province it holds (404 otherwise, as at every province-scoped URL)."""
    export = selectors.records_export_for(user=request.user, export_id=export_id)
    if export is None or export.state != RecordsExport.State.READY:
        raise Http404
    try:
        content = export.file.open("rb")
    except FileNotFoundError:  # storage not shared with the workers, or restored without it
        logger.error("export %s: its file %s is missing", export.pk, export.file.name)
        raise Http404 from None
    return FileResponse(content, as_attachment=True, filename=services.download_name(export),
                        content_type=exports.XLSX if export.fmt == "xlsx" else "text/csv; charset=utf-8")  # fmt: skip


def _jp_year(request: HttpRequest, notes: list[str]) -> int:
    this_year = timezone.localtime().year
    value = request.GET.get("tahun", "")
    if not value:
        return this_year
    if value.isdigit() and 2000 <= int(value) <= this_year + 1:
        return int(value)
    notes.append(_("Unknown year “%(value)s”: this year is shown.") % {"value": value})
    return this_year


@login_required
def jp_overview(request: AuthenticatedRequest) -> HttpResponse:
    """How many PNS of each province reached the 20 JP of the year here, and per agency of a
    province (``provinsi``; an organiser of one province sees theirs)."""
    provinces = _staff_provinces(request)
    notes: list[str] = []
    year = _jp_year(request, notes)
    code = request.GET.get("provinsi", "")
    if not code and not roles_of(request.user).is_national_admin and provinces.count() == 1:
        code = provinces.first().code
    province = None
    if code:
        province = provinces.filter(code=code).first()
        if province is None:
            raise Http404
    found = None
    if lookup := request.GET.get("peserta", "").strip():
        found = _learner_lookup(request, lookup)
        if found is None:
            notes.append(_("No learner of your provinces has that NIP or email address."))
        else:
            return redirect(f"{reverse('monitoring:jp_ledger', args=[found.pk])}?tahun={year}")
    return render(request, "monitoring/jp.html", {
        "year": year, "notes": notes, "rows": selectors.jp_per_province(provinces=provinces, year=year),
        "province": province, "needed": selectors.JP_NEEDED,
        "agencies": selectors.jp_per_agency(province=province, year=year) if province else [],
    })  # fmt: skip


def _learner_lookup(request: AuthenticatedRequest, lookup: str):
    from literasi.models import User
    from literasi.nip import normalise_nip

    people = User.objects.filter(province__in=provinces_managed_by(request.user))
    digits = normalise_nip(lookup)
    if digits and len(digits) == 18 and digits.isdigit():
        return people.filter(nip=digits).first()
    return people.filter(email__iexact=lookup).first()


@login_required
def jp_ledger(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    """One learner's JP ledger for a year; a learner outside the provinces managed is a 404."""
    from literasi.models import User

    provinces = _staff_provinces(request)
    learner = User.objects.filter(pk=user_id, province__in=provinces).select_related("province").first()
    if learner is None:
        raise Http404
    notes: list[str] = []
    year = _jp_year(request, notes)
    return render(request, "monitoring/jp_ledger.html", {
        "learner": learner, "year": year, "notes": notes, "ledger": selectors.jp_ledger(user=learner, year=year),
    })  # fmt: skip
