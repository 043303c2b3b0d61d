from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Course
from literasi.http import AuthenticatedRequest
from literasi.models import EmployeeKind, Province
from literasi.roles import roles_of
from literasi.selectors import provinces_managed_by

from . import charts, exports, selectors, tables
from .selectors import IN_COHORT, SELF_PACED, Filters

PARAMS = ("kursus", "tahun", "jenis", "mode")


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


def filters_from(request: HttpRequest) -> tuple[Filters, list[str], dict]:
    """The filters asked for, each unknown value left out with a note saying so (never an error)."""
    courses = list(
        Course.objects.filter(status=Course.Status.PUBLISHED).order_by("order", "title").only("slug", "title", "order")
    )  # not the descriptions (20 KB for the five launch courses)
    years = selectors.years_known()
    notes: list[str] = []
    get = request.GET
    course = year = kind = mode = None
    if value := get.get("kursus", ""):
        course = next((c for c in courses if c.slug == value), None)
        if course is None:
            notes.append(_("There is no course “%(value)s”: all courses are shown.") % {"value": value})
    if value := get.get("tahun", ""):
        year = int(value) if value.isdigit() and int(value) in years else None
        if year is None:
            notes.append(_("There is nothing for the year “%(value)s”: all years are shown.") % {"value": value})
    if value := get.get("jenis", ""):
        kind = value if value in EmployeeKind.values else None
        if kind is None:
            notes.append(_("Unknown kind of employee “%(value)s”: all kinds are shown.") % {"value": value})
    if value := get.get("mode", ""):
        mode = value if value in (SELF_PACED, IN_COHORT) else None
        if mode is None:
            notes.append(_("Unknown choice “%(value)s”: cohorts and self-paced learners are shown.") % {"value": value})
    choices = {
        "courses": courses,
        "years": years,
        "kinds": EmployeeKind.choices,
        "modes": [(IN_COHORT, _("In a cohort")), (SELF_PACED, _("Self-paced"))],
    }
    return Filters(course=course, year=year, kind=kind, mode=mode, published=tuple(courses)), notes, choices


def _query(filters: Filters, **extra: str) -> str:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for name, value in (("kursus", filters.course.slug if filters.course else None), ("tahun", filters.year),
                        ("jenis", filters.kind), ("mode", filters.mode), *extra.items()):  # fmt: skip
        if value:
            query[name] = str(value)
    return query.urlencode()


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
    filters, notes, choices = filters_from(request)
    sort = _sort(request, notes)
    rows, total, funnel = selectors.province_overview(provinces=provinces, filters=filters)
    query = _query(filters)
    return render(request, "monitoring/dashboard.html", {
        "province_rows": tables.province_rows(selectors.sort_rows(rows, sort), query), "total": total, "filters": filters, "notes": notes,
        "choices": choices, "sort": sort, "query": query, "by": "province", "funnel": funnel,
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
    filters, notes, choices = filters_from(request)
    sort = _sort(request, notes)
    rows, total = selectors.cohort_table(province=province, filters=filters)
    agencies = selectors.agency_table(province=province, filters=filters)
    only = Province.objects.filter(code=code)
    funnel = selectors.funnel_per_course(provinces=only, filters=filters)
    return render(request, "monitoring/province.html", {
        "province": province, "rows": selectors.sort_rows(rows, sort), "total": total,
        "agencies": selectors.sort_rows(agencies, sort), "filters": filters, "notes": notes, "choices": choices,
        "sort": sort, "query": _query(filters), "by": "cohort",
        "funnel": funnel, "charts": _charts(provinces=only, filters=filters, funnel=funnel),
        "several_provinces": provinces_managed_by(request.user).count() > 1,
        "cohort_columns": cohort_columns(), "agency_columns": agency_columns(),
    })  # fmt: skip


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d-%m-%Y") if value else ""


@login_required
def export_provinces(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """The province table as shown (filters and order), CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    provinces = _staff_provinces(request)
    filters, notes, _choices = filters_from(request)
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


def siasn_header() -> list[str]:
    return [_("NIP"), _("Name"), _("Course name"), _("Hours (JP)"), _("Certificate number"),
            _("Organising institution"), _("Kind of course"), _("Year"), _("Start date"), _("End date"),
            _("Agency (instansi)")]  # fmt: skip


def siasn_rows(records):
    """One row per certificate, as SIASN's course history asks for it (dates dd-mm-yyyy)."""
    self_paced, in_cohort = _("E-learning, self-paced"), _("E-learning in a cohort")
    for nip, snapshot, number, enrolled_at, year, sequence in records:
        learner, course = snapshot["learner"], snapshot["course"]
        completed = dt.datetime.fromisoformat(snapshot["dates"]["completed"])
        yield [nip or learner.get("nip", ""), learner["name"], course["title"], course["jp"], number,
               snapshot["template"]["issuer_name"], self_paced if sequence == 0 else in_cohort, year,
               _when(enrolled_at), _when(completed), learner.get("instansi", "")]  # fmt: skip


@login_required
def export_siasn(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """Training records for SIASN: one row per valid certificate of the provinces managed
    (``provinsi`` narrows to one; a province not managed is a 404), with the page's filters."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    provinces = _staff_provinces(request)
    if code := request.GET.get("provinsi", ""):
        provinces = provinces.filter(code=code)
        if not provinces.exists():
            raise Http404
    filters, _notes, _choices = filters_from(request)
    records = selectors.training_records(provinces=provinces, filters=filters).iterator(chunk_size=2000)
    return exports.response(fmt, "riwayat-pelatihan-siasn", siasn_header(), siasn_rows(records),
                            sheet=_("Training records"))  # fmt: skip


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
