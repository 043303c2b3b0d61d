"""Every state change about cohorts: creating them, bulk enrolment from a file, adding and
removing participants, invitations. Province scoping is checked with literasi.selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Course, Enrolment, Origin
from literasi.errors import Refusal
from literasi.models import EmployeeKind, OrganiserAssignment, Province, User
from literasi.nip import validate_nip
from literasi.selectors import user_manages_province

from .models import Cohort, CohortEvent, EnrolmentImport, ImportRow
from .spreadsheets import NIP_LOST_IN_EXCEL, Row, SpreadsheetError, read_rows

CHUNK = 1000
PROGRESS_TTL = 60 * 60


def _progress_key(upload_id: int) -> str:
    return f"upload-progress:{upload_id}"


def upload_progress(*, upload: EnrolmentImport) -> int:
    """Rows processed so far, for the progress bar. Kept in the cache while the work runs
    (the applying transaction cannot show its progress in the database before it commits)."""
    if upload.state in (EnrolmentImport.State.VALIDATING, EnrolmentImport.State.APPLYING):
        return int(cache.get(_progress_key(upload.pk)) or 0)
    return upload.processed_rows


def _reporter(upload_id: int, *, offset: int = 0, weight: float = 1.0) -> Callable[[int], None]:
    def report(done: int) -> None:
        cache.set(_progress_key(upload_id), offset + int(done * weight), PROGRESS_TTL)

    return report


def _require_manager(user: User, province_code: str) -> None:
    if not user_manages_province(user, province_code):
        raise PermissionDenied


# --- Cohorts -------------------------------------------------------------------------------------


@transaction.atomic
def cohort_create(
    *,
    organiser: User,
    province: Province,
    course: Course,
    name: str,
    year: int,
    start_date: dt.date,
    end_date: dt.date,
    capacity: int,
    status: str = Cohort.Status.DRAFT,
) -> Cohort:
    """Create a cohort numbered next for its province, course and year. Organisers of the province
    and national admins only (PermissionDenied otherwise)."""
    _require_manager(organiser, province.code)
    # Creates in one province take turns, so each reads the last number the other wrote. (A lock
    # on the aggregate below would be dropped by Django: aggregates cannot lock rows.)
    Province.objects.select_for_update().filter(pk=province.pk).first()
    last = Cohort.objects.filter(province=province, course=course, year=year).aggregate(last=Max("sequence"))["last"]
    return Cohort.objects.create(
        province=province, course=course, name=name, year=year, sequence=(last or 0) + 1,
        start_date=start_date, end_date=end_date, capacity=capacity, status=status, created_by=organiser,
    )  # fmt: skip


SELF_PACED_SEQUENCE = 0  # cohort number 0 of a province, course and year: its self-paced learners


def cohort_self_paced_for(*, province: Province, course: Course, year: int) -> Cohort:
    """The province's self-paced (mandiri) cohort of ``course`` for ``year``, created when first
    needed, so every certificate belongs to a province cohort. It is cohort number 0 (the unique
    number per province, course and year keeps it single); nobody is enrolled in it, learners who
    study on their own keep their own enrolment. Safe to repeat and to call concurrently."""
    cohort = Cohort.objects.filter(province=province, course=course, year=year, sequence=SELF_PACED_SEQUENCE).first()
    if cohort is not None:
        return cohort
    from django.conf import settings
    from django.utils import translation

    with transaction.atomic():
        Province.objects.select_for_update().filter(pk=province.pk).first()  # as cohort_create
        with translation.override(settings.LANGUAGE_CODE):
            name = _("Self-paced learners %(year)d") % {"year": year}
        cohort, _created = Cohort.objects.get_or_create(
            province=province, course=course, year=year, sequence=SELF_PACED_SEQUENCE,
            defaults={"name": name, "start_date": dt.date(year, 1, 1), "end_date": dt.date(year, 12, 31),
                      "capacity": 2**31 - 1, "status": Cohort.Status.OPEN},
        )  # fmt: skip
    return cohort


@transaction.atomic
def cohort_update(*, organiser: User, cohort: Cohort, **fields: object) -> Cohort:
    """Change a cohort's name, dates, capacity or status (its province, course and number stay)."""
    _require_manager(organiser, cohort.province_id)
    for name in ("name", "start_date", "end_date", "capacity", "status"):
        if name in fields:
            setattr(cohort, name, fields[name])
    cohort.save()
    return cohort


# --- Row validation (one rule set for uploads and for adding one participant) ---------------------


@dataclass
class Outcome:
    row: Row
    outcome: str
    message: str = ""
    user_id: int | None = None
    enrolment_id: int | None = None  # the learner's existing enrolment in the course, to attach
    nip: str = ""
    email: str = ""


@dataclass(frozen=True)
class _Account:
    pk: int
    nip: str | None
    province_id: str | None
    is_staff_role: bool


def _accounts_by_email(emails: list[str]) -> dict[str, _Account]:
    """The accounts registered under ``emails`` with what the enrolment rules need (two queries)."""
    rows = list(
        User.objects.filter(email__in=emails).values_list(
            "pk", "email", "nip", "province_id", "is_national_admin", "is_superuser"
        )
    )
    organisers = set(
        OrganiserAssignment.objects.filter(user_id__in=[r[0] for r in rows]).values_list("user_id", flat=True)
    )
    return {
        email: _Account(pk=pk, nip=nip, province_id=province_id, is_staff_role=admin or superuser or pk in organisers)
        for pk, email, nip, province_id, admin, superuser in rows
    }


def _refusal_for_existing(account: _Account, nip: str, cohort: Cohort) -> str | None:
    """Why an existing account cannot join ``cohort``, or None.

    An organiser enrols only people of the cohort's province (or new accounts, which then belong
    to it): anyone else's data would show on the cohort page and their completion would move to
    this province. The province is checked first, so nothing else about an account of another
    province (its role, its NIP) is ever confirmed.
    """
    if account.province_id != cohort.province_id:
        return _(
            "This account is registered in another province. A national admin can move the learner to this "
            "cohort's province; then add them again."
        )
    if account.is_staff_role:
        return _("Organisers and national admins are not enrolled in cohorts; they can enrol in the course themselves.")
    if nip and account.nip and account.nip != nip:
        return _("The NIP differs from the one registered for this email address.")
    return None


def rows_validate(*, cohort: Cohort, rows: list[Row], progress: Callable[[int], None] | None = None) -> list[Outcome]:
    """What enrolling each row into ``cohort`` would do, with errors in the user's language.

    Reads only (a few queries per thousand rows); nothing is written. Used by uploads, by their
    confirmation (again, inside the applying transaction) and by adding one participant. A row is
    a new account (which will belong to the cohort's province) or an existing account of the
    cohort's province that is not an organiser or admin; see ``_refusal_for_existing``.
    """
    outcomes: list[Outcome] = []
    seen_email: dict[str, int] = {}
    seen_nip: dict[str, int] = {}
    for row in rows:
        result = Outcome(row=row, outcome=ImportRow.Outcome.NEW)
        outcomes.append(result)
        email = row.email.strip().lower()
        result.email = email
        try:
            validate_email(email)
        except ValidationError:
            result.outcome, result.message = ImportRow.Outcome.ERROR, _("The email address is not valid.")
            continue
        if row.nip == NIP_LOST_IN_EXCEL:
            result.outcome = ImportRow.Outcome.ERROR
            result.message = _(
                "The NIP was stored by Excel as a number and lost its last digits. Format the NIP column as "
                "Text and type it again."
            )
            continue
        if row.nip.strip():
            try:
                result.nip = validate_nip(row.nip)
            except ValidationError as error:
                result.outcome, result.message = ImportRow.Outcome.ERROR, str(error.messages[0])
                continue
        if email in seen_email:
            result.outcome = ImportRow.Outcome.ERROR
            result.message = _("Duplicate in the file: the same email as row %(row)d.") % {"row": seen_email[email]}
            continue
        if result.nip and result.nip in seen_nip:
            result.outcome = ImportRow.Outcome.ERROR
            result.message = _("Duplicate in the file: the same NIP as row %(row)d.") % {"row": seen_nip[result.nip]}
            continue
        seen_email[email] = row.number
        if result.nip:
            seen_nip[result.nip] = row.number

    if cohort.status == Cohort.Status.CLOSED:
        for result in outcomes:
            if result.outcome != ImportRow.Outcome.ERROR:
                result.outcome, result.message = ImportRow.Outcome.ERROR, _("The cohort is closed.")
    valid = [o for o in outcomes if o.outcome != ImportRow.Outcome.ERROR]
    accounts: dict[str, _Account] = {}
    nips_in_use: set[str] = set()
    done = len(outcomes) - len(valid)
    for chunk in _chunks(valid, CHUNK):
        accounts.update(_accounts_by_email([o.email for o in chunk]))
        nips_in_use.update(User.objects.filter(nip__in=[o.nip for o in chunk if o.nip]).values_list("nip", flat=True))
        done += len(chunk)
        if progress is not None:
            progress(done)
    enrolments = {}
    for chunk in _chunks([a.pk for a in accounts.values()], CHUNK):
        for enrolment in Enrolment.objects.filter(course_id=cohort.course_id, user_id__in=chunk).select_related(
            "cohort"
        ):
            enrolments[enrolment.user_id] = enrolment

    places = cohort.capacity - Enrolment.objects.active().filter(cohort=cohort).count()
    for result in valid:
        account = accounts.get(result.email)
        if account is None:
            if result.nip in nips_in_use:
                # The same words whoever holds the NIP and wherever: an upload must not tell an
                # organiser who is registered, where, or under which email.
                result.outcome = ImportRow.Outcome.ERROR
                result.message = _(
                    "This NIP is already in use, so no new account can be made with it. If the participant "
                    "has an account, use the email address of that account; otherwise ask a national admin."
                )
                continue
            if not result.row.full_name.strip():
                result.outcome, result.message = ImportRow.Outcome.ERROR, _("The name is empty.")
                continue
        else:
            result.user_id = account.pk
            if refusal := _refusal_for_existing(account, result.nip, cohort):
                result.outcome, result.message = ImportRow.Outcome.ERROR, refusal
                continue
            enrolment = enrolments.get(account.pk)
            result.enrolment_id = enrolment.pk if enrolment is not None else None
            if enrolment is not None and enrolment.removed_at is None:
                if enrolment.cohort_id == cohort.pk:
                    result.outcome = ImportRow.Outcome.ALREADY
                    continue
                if enrolment.cohort_id is not None:
                    result.outcome = ImportRow.Outcome.ERROR
                    result.message = _("Already a participant of another cohort of this course.")
                    if enrolment.cohort.province_id == cohort.province_id:
                        result.message = _("Already a participant of another cohort of this course (%(cohort)s).") % {
                            "cohort": enrolment.cohort.name
                        }
                    continue
            result.outcome = ImportRow.Outcome.LINKED
        if places <= 0:
            result.outcome, result.message = ImportRow.Outcome.ERROR, _("The cohort is full.")
            continue
        places -= 1
    return outcomes


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Uploads -------------------------------------------------------------------------------------


def import_create(*, cohort: Cohort, uploaded_by: User, file: UploadedFile) -> EnrolmentImport:
    """Keep the uploaded file (for audit) and check it in the background (batch queue)."""
    from .tasks import import_validate_task

    _require_manager(uploaded_by, cohort.province_id)
    upload = EnrolmentImport.objects.create(
        cohort=cohort, uploaded_by=uploaded_by, file=file, original_name=file.name[:255]
    )
    transaction.on_commit(lambda: import_validate_task.delay(upload.pk))
    return upload


def import_validate(*, upload_id: int) -> None:
    """Read the upload and record every row's outcome; nothing is enrolled. Safe to repeat."""
    upload = EnrolmentImport.objects.select_related("cohort").filter(pk=upload_id).first()
    if upload is None or upload.state != EnrolmentImport.State.VALIDATING:
        return
    try:
        with upload.file.open("rb") as fh:
            rows = read_rows(fh.read(), upload.original_name)
    except SpreadsheetError as error:
        EnrolmentImport.objects.filter(pk=upload.pk).update(state=EnrolmentImport.State.FAILED, error=str(error))
        return
    EnrolmentImport.objects.filter(pk=upload.pk).update(total_rows=len(rows), processed_rows=0)
    outcomes = rows_validate(cohort=upload.cohort, rows=rows, progress=_reporter(upload.pk, weight=0.5))
    with transaction.atomic():
        ImportRow.objects.filter(upload=upload).delete()
        report, done = _reporter(upload.pk, offset=len(rows) // 2, weight=0.5), 0
        for chunk in _chunks(outcomes, CHUNK):
            done += len(chunk)
            report(done)
            ImportRow.objects.bulk_create(
                ImportRow(upload=upload, row_number=o.row.number, nip=o.nip or o.row.nip[:30], full_name=o.row.full_name[:150],
                          email=o.email[:320], instansi=o.row.instansi[:200], jabatan=o.row.jabatan[:200],
                          outcome=o.outcome, message=o.message[:300], user_id=o.user_id)
                for o in chunk
            )  # fmt: skip
        counts = _count(outcomes)
        EnrolmentImport.objects.filter(pk=upload.pk).update(
            state=EnrolmentImport.State.READY, processed_rows=len(rows), counts=counts
        )


def _count(outcomes: list[Outcome]) -> dict[str, int]:
    counts = dict.fromkeys(ImportRow.Outcome.values, 0)
    for o in outcomes:
        counts[o.outcome] += 1
    return counts


def import_confirm(*, upload: EnrolmentImport, actor: User) -> None:
    """Ask for a checked upload to be applied (in the background, batch queue). Safe to repeat."""
    from .tasks import import_apply_task

    _require_manager(actor, upload.cohort.province_id)
    updated = EnrolmentImport.objects.filter(pk=upload.pk, state=EnrolmentImport.State.READY).update(
        state=EnrolmentImport.State.APPLYING, processed_rows=0
    )
    if updated:
        cache.set(_progress_key(upload.pk), 0, PROGRESS_TTL)
        transaction.on_commit(lambda: import_apply_task.delay(upload.pk, actor.pk))


def import_apply(*, upload_id: int, actor_id: int) -> None:
    """Enrol the valid rows of a confirmed upload, all in one transaction.

    The rows are checked again inside the transaction (someone may have enrolled meanwhile), so
    what is applied is always consistent; rows already in the cohort change nothing, so applying
    the same file twice enrols nobody twice. Invitations are sent after the commit.
    """
    upload = EnrolmentImport.objects.filter(pk=upload_id).first()
    if upload is None or upload.state != EnrolmentImport.State.APPLYING:
        return
    rows = [
        Row(
            number=r.row_number, nip=r.nip, full_name=r.full_name, email=r.email, instansi=r.instansi, jabatan=r.jabatan
        )
        for r in upload.rows.all()
    ]
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().get(pk=upload.cohort_id)  # one apply per cohort at a time
        outcomes = rows_validate(cohort=cohort, rows=rows, progress=_reporter(upload.pk, weight=0.5))
        _enrol(cohort=cohort, outcomes=outcomes, actor_id=actor_id, upload=upload)
        cache.set(_progress_key(upload.pk), len(rows), PROGRESS_TTL)
        EnrolmentImport.objects.filter(pk=upload.pk).update(
            state=EnrolmentImport.State.APPLIED, applied_at=timezone.now(), processed_rows=len(rows),
            counts=_count(outcomes),
        )  # fmt: skip


def _enrol(*, cohort: Cohort, outcomes: list[Outcome], actor_id: int, upload: EnrolmentImport | None) -> None:
    """Create the accounts and enrolments the outcomes call for, and invite them after the commit."""
    now = timezone.now()
    new = [o for o in outcomes if o.outcome == ImportRow.Outcome.NEW]
    users = []
    for o in new:
        user = User(
            email=o.email, full_name=o.row.full_name.strip()[:150], nip=o.nip or None,
            employee_kind=EmployeeKind.PNS if o.nip else EmployeeKind.OTHER, instansi=o.row.instansi[:200],
            jabatan=o.row.jabatan[:200], province_id=cohort.province_id, date_joined=now,
        )  # fmt: skip
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users, batch_size=CHUNK)  # PostgreSQL and SQLite return the new ids
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=u, email=u.email, primary=True, verified=False) for u in users), batch_size=CHUNK
    )
    for o, user in zip(new, users, strict=True):
        o.user_id = user.pk

    linked = [o for o in outcomes if o.outcome == ImportRow.Outcome.LINKED]
    # Linked learners with an enrolment in the course (self-enrolled, or removed from a cohort)
    # keep it, and its progress; the others get one.
    attach = [o.enrolment_id for o in linked if o.enrolment_id is not None]
    for chunk in _chunks(attach, CHUNK):
        Enrolment.objects.filter(pk__in=chunk).update(cohort=cohort, removed_at=None, province_id=cohort.province_id)
    Enrolment.objects.bulk_create(
        (
            Enrolment(user_id=o.user_id, course_id=cohort.course_id, cohort=cohort, province_id=cohort.province_id,
                      enrolled_at=now, origin=Origin.COHORT)
            for o in new + [o for o in linked if o.enrolment_id is None]
        ),
        batch_size=CHUNK,
    )  # fmt: skip
    CohortEvent.objects.bulk_create(
        (
            CohortEvent(cohort=cohort, action=CohortEvent.Action.ENROLLED, learner_id=o.user_id, actor_id=actor_id,
                        upload=upload, at=now)
            for o in new + linked
        ),
        batch_size=CHUNK,
    )  # fmt: skip
    new_ids, linked_ids = [u.pk for u in users], [o.user_id for o in linked]
    transaction.on_commit(lambda: _send_invitations(cohort.pk, new_ids, linked_ids))


# --- One participant -----------------------------------------------------------------------------


@transaction.atomic
def participant_add(*, cohort: Cohort, actor: User, email: str, full_name: str = "", nip: str = "",
                    instansi: str = "", jabatan: str = "") -> Outcome:  # fmt: skip
    """Enrol one person by hand, under the same rules as an upload row (Refusal with the row's error)."""
    _require_manager(actor, cohort.province_id)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    row = Row(number=1, nip=nip, full_name=full_name, email=email, instansi=instansi, jabatan=jabatan)
    outcome = rows_validate(cohort=cohort, rows=[row])[0]
    if outcome.outcome == ImportRow.Outcome.ERROR:
        raise Refusal(outcome.message)
    if outcome.outcome == ImportRow.Outcome.ALREADY:
        return outcome
    _enrol(cohort=cohort, outcomes=[outcome], actor_id=actor.pk, upload=None)
    return outcome


@transaction.atomic
def participant_remove(*, cohort: Cohort, actor: User, learner_id: int) -> bool:
    """Take a participant out of the cohort. Their progress stays. Safe to repeat.

    A learner who had enrolled on their own before the cohort only leaves it: they keep the
    course, as it was before the organiser linked them. Anyone else loses access.
    """
    _require_manager(actor, cohort.province_id)
    in_cohort = Enrolment.objects.active().filter(cohort=cohort, user_id=learner_id)
    removed = in_cohort.filter(origin=Origin.SELF).update(cohort=None)
    removed += in_cohort.filter(origin=Origin.COHORT).update(removed_at=timezone.now())
    if removed:
        CohortEvent.objects.create(cohort=cohort, action=CohortEvent.Action.REMOVED, learner_id=learner_id, actor=actor)
    return bool(removed)


# --- Invitations ---------------------------------------------------------------------------------


def _send_invitations(cohort_id: int, new_user_ids: list[int], linked_user_ids: list[int]) -> None:
    from .tasks import invitations_send_task

    if new_user_ids or linked_user_ids:
        invitations_send_task.delay(cohort_id, new_user_ids, linked_user_ids)


def invitations_send(*, cohort_id: int, new_user_ids: list[int], linked_user_ids: list[int]) -> int:
    """Email new participants a link to set their password, and existing ones that they were
    enrolled. In Indonesian. Returns how many emails were sent."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.conf import settings
    from django.core.mail import get_connection, send_mass_mail
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    cohort = Cohort.objects.select_related("course", "province").get(pk=cohort_id)
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for kind, ids in (("invitation", new_user_ids), ("enrolled", linked_user_ids)):
            for chunk in _chunks(ids, CHUNK):
                for user in User.objects.filter(pk__in=chunk):
                    context = {"user": user, "cohort": cohort, "site_url": settings.SITE_URL}
                    if kind == "invitation":
                        key = default_token_generator.make_token(user)
                        path = reverse(
                            "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key}
                        )
                        context["link"] = settings.SITE_URL + path
                    else:
                        context["link"] = settings.SITE_URL + reverse("courses:detail", args=[cohort.course.slug])
                    subject = render_to_string(f"cohorts/email/{kind}_subject.txt", context).strip()
                    body = render_to_string(f"cohorts/email/{kind}_message.txt", context)
                    messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    connection = get_connection()
    for chunk in _chunks(messages, 200):
        send_mass_mail(chunk, connection=connection)
    return len(messages)
