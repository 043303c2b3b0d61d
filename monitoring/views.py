from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Course
from literasi.models import EmployeeKind, Province
from literasi.roles import roles_of
from literasi.selectors import provinces_managed_by

from . import exports, selectors
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


def _staff_provinces(request: HttpRequest):
    if not roles_of(request.user).is_staff_role:
        raise Http404
    return provinces_managed_by(request.user)


def filters_from(request: HttpRequest) -> tuple[Filters, list[str], dict]:
    """The filters asked for, each unknown value left out with a note saying so (never an error)."""
    courses = list(Course.objects.filter(status=Course.Status.PUBLISHED).order_by("order", "title"))
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
    return Filters(course=course, year=year, kind=kind, mode=mode), notes, choices


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


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
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
    rows, total = selectors.province_table(provinces=provinces, filters=filters)
    return render(request, "monitoring/dashboard.html", {
        "rows": selectors.sort_rows(rows, sort), "total": total, "filters": filters, "notes": notes,
        "choices": choices, "sort": sort, "query": _query(filters), "by": "province",
        "funnel": selectors.funnel_per_course(provinces=provinces, filters=filters),
        "province_columns": province_columns(),
    })  # fmt: skip


@login_required
def province(request: HttpRequest, code: str) -> HttpResponse:
    """One province: its cohorts (each leading to its participants) and its agencies."""
    province = _staff_provinces(request).filter(code=code).first()
    if province is None:
        raise Http404
    filters, notes, choices = filters_from(request)
    sort = _sort(request, notes)
    rows, total = selectors.cohort_table(province=province, filters=filters)
    agencies = selectors.agency_table(province=province, filters=filters)
    return render(request, "monitoring/province.html", {
        "province": province, "rows": selectors.sort_rows(rows, sort), "total": total,
        "agencies": selectors.sort_rows(agencies, sort), "filters": filters, "notes": notes, "choices": choices,
        "sort": sort, "query": _query(filters), "by": "cohort",
        "funnel": selectors.funnel_per_course(provinces=Province.objects.filter(code=code), filters=filters),
        "several_provinces": provinces_managed_by(request.user).count() > 1,
        "cohort_columns": cohort_columns(), "agency_columns": agency_columns(),
    })  # fmt: skip


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d-%m-%Y") if value else ""


@login_required
def export_provinces(request: HttpRequest, fmt: str) -> HttpResponse:
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
def export_siasn(request: HttpRequest, fmt: str) -> HttpResponse:
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
