"""Every state change about cohorts: creating them, bulk enrolment from a file, adding and
removing participants, invitations. Province scoping is checked with literasi.selectors."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import progress_summary
from courses.models import Course, Enrolment, Origin
from literasi.errors import Refusal
from literasi.models import EmployeeKind, OrganiserAssignment, Province, User
from literasi.nip import validate_nip
from literasi.selectors import user_manages_province
from literasi.services import registrations_count

from .models import Cohort, CohortEvent, Invitation, Upload, UploadRow
from .spreadsheets import NIP_LOST_IN_EXCEL, Row, SpreadsheetError, read_rows, size_refusal

logger = logging.getLogger(__name__)

CHUNK = 1000
PROGRESS_TTL = 60 * 60
# The sweep enqueues again an upload step or invitations handed to the broker this long ago and
# never taken (a broker restarted empty loses its messages); a duplicate runs once.
REENQUEUE_AFTER = dt.timedelta(minutes=10)
# A step a worker took longer ago than the batch hard time limit plus this has died unrecorded.
STUCK_MARGIN = dt.timedelta(minutes=5)
INVITATION_ENQUEUES = 5


def _progress_key(upload_id: int) -> str:
    return f"upload-progress:{upload_id}"


def upload_progress(*, upload: Upload) -> int:
    """Rows processed so far, for the progress bar. Kept in the cache while the work runs
    (the applying transaction cannot show its progress in the database before it commits)."""
    if upload.in_progress:
        try:
            return int(cache.get(_progress_key(upload.pk)) or 0)
        except Exception:  # noqa: BLE001 - the cache is away: the bar waits, the page still works
            return upload.processed_rows
    return upload.processed_rows


def _reporter(upload_id: int, *, offset: int = 0, weight: float = 1.0) -> Callable[[int], None]:
    def report(done: int) -> None:
        try:
            cache.set(_progress_key(upload_id), offset + int(done * weight), PROGRESS_TTL)
        except Exception:  # progress is only shown: never fail the work for it
            logger.debug("cannot report the progress of upload %s", upload_id, exc_info=True)

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
class CheckedRow:
    row: Row
    outcome: str
    message: str = ""
    user_id: int | None = None
    enrolment_id: int | None = None  # the learner's existing enrolment in the course, to attach
    nip: str = ""
    email: str = ""

    @property
    def account_id(self) -> int:
        """``user_id`` of a row that has its account (linked, or NEW once the account is made)."""
        assert self.user_id is not None, "the row has no account yet"
        return self.user_id


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


def rows_check(*, cohort: Cohort, rows: list[Row], progress: Callable[[int], None] | None = None) -> list[CheckedRow]:
    """What enrolling each row into ``cohort`` would do, with errors in the user's language.

    Reads only (a few queries per thousand rows); nothing is written. Used by uploads, by their
    confirmation (again, inside the applying transaction) and by adding one participant. A row is
    a new account (which will belong to the cohort's province) or an existing account of the
    cohort's province that is not an organiser or admin; see ``_refusal_for_existing``.
    """
    outcomes: list[CheckedRow] = []
    seen_email: dict[str, int] = {}
    seen_nip: dict[str, int] = {}
    for row in rows:
        result = CheckedRow(row=row, outcome=UploadRow.Outcome.NEW)
        outcomes.append(result)
        email = row.email.strip().lower()
        result.email = email
        try:
            validate_email(email)
        except ValidationError:
            result.outcome, result.message = UploadRow.Outcome.ERROR, _("The email address is not valid.")
            continue
        if row.nip == NIP_LOST_IN_EXCEL:
            result.outcome = UploadRow.Outcome.ERROR
            result.message = _(
                "The NIP was stored by Excel as a number and lost its last digits. Format the NIP column as "
                "Text and type it again."
            )
            continue
        if row.nip.strip():
            try:
                result.nip = validate_nip(row.nip)
            except ValidationError as error:
                result.outcome, result.message = UploadRow.Outcome.ERROR, str(error.messages[0])
                continue
        if email in seen_email:
            result.outcome = UploadRow.Outcome.ERROR
            result.message = _("Duplicate in the file: the same email as row %(row)d.") % {"row": seen_email[email]}
            continue
        if result.nip and result.nip in seen_nip:
            result.outcome = UploadRow.Outcome.ERROR
            result.message = _("Duplicate in the file: the same NIP as row %(row)d.") % {"row": seen_nip[result.nip]}
            continue
        seen_email[email] = row.number
        if result.nip:
            seen_nip[result.nip] = row.number

    if cohort.status == Cohort.Status.CLOSED:
        for result in outcomes:
            if result.outcome != UploadRow.Outcome.ERROR:
                result.outcome, result.message = UploadRow.Outcome.ERROR, _("The cohort is closed.")
    valid = [o for o in outcomes if o.outcome != UploadRow.Outcome.ERROR]
    accounts: dict[str, _Account] = {}
    nips_in_use: set[str | None] = set()
    done = len(outcomes) - len(valid)
    for chunk in _chunks(valid, CHUNK):
        accounts.update(_accounts_by_email([o.email for o in chunk]))
        nips_in_use.update(User.objects.filter(nip__in=[o.nip for o in chunk if o.nip]).values_list("nip", flat=True))
        done += len(chunk)
        if progress is not None:
            progress(done)
    enrolments: dict[int, Enrolment] = {}
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
                result.outcome = UploadRow.Outcome.ERROR
                result.message = _(
                    "This NIP is already in use, so no new account can be made with it. If the participant "
                    "has an account, use the email address of that account; otherwise ask a national admin."
                )
                continue
            if not result.row.full_name.strip():
                result.outcome, result.message = UploadRow.Outcome.ERROR, _("The name is empty.")
                continue
        else:
            result.user_id = account.pk
            if refusal := _refusal_for_existing(account, result.nip, cohort):
                result.outcome, result.message = UploadRow.Outcome.ERROR, refusal
                continue
            existing = enrolments.get(account.pk)
            result.enrolment_id = existing.pk if existing is not None else None
            if existing is not None and existing.removed_at is None:
                if existing.cohort_id == cohort.pk:
                    result.outcome = UploadRow.Outcome.ALREADY
                    continue
                if existing.cohort is not None:  # read with select_related: no query
                    result.outcome = UploadRow.Outcome.ERROR
                    result.message = _("Already a participant of another cohort of this course.")
                    if existing.cohort.province_id == cohort.province_id:
                        result.message = _("Already a participant of another cohort of this course (%(cohort)s).") % {
                            "cohort": existing.cohort.name
                        }
                    continue
            result.outcome = UploadRow.Outcome.LINKED
        if places <= 0:
            result.outcome, result.message = UploadRow.Outcome.ERROR, _("The cohort is full.")
            continue
        places -= 1
    return outcomes


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Uploads -------------------------------------------------------------------------------------
#
# An upload is checked (VALIDATING -> READY), then, once confirmed, applied (APPLYING -> APPLIED),
# each step by a batch task. Whatever goes wrong in a step ends the upload FAILED with a reason
# the organiser can act on; the row itself is the outbox that the scheduler's sweep reads.


def upload_create(*, cohort: Cohort, uploaded_by: User, file: UploadedFile) -> Upload:
    """Keep the uploaded file (for audit) and have it checked in the background (batch queue).

    The check is handed to the broker after the commit; when the broker is away the request
    still succeeds and the upload waits for the scheduler's sweep (``uploads_sweep``).
    """
    _require_manager(uploaded_by, cohort.province_id)
    upload = Upload.objects.create(
        cohort=cohort, uploaded_by=uploaded_by, file=file, original_name=(file.name or "")[:255]
    )
    transaction.on_commit(lambda: upload_enqueue(upload_id=upload.pk))
    return upload


def upload_enqueue(*, upload_id: int) -> bool:
    """Hand an upload's next step (checking it, or applying it once confirmed) to the batch queue,
    and note when: the outbox mark.

    Returns False, leaving the mark as it was, when the broker cannot be reached: the request
    that asked for it is never failed for that. Safe to repeat: a step delivered twice runs once.
    """
    from .tasks import upload_apply_task, upload_check_task

    upload = Upload.objects.filter(pk=upload_id).values("state", "confirmed_by_id", "uploaded_by_id").first()
    if upload is None or upload["state"] not in (Upload.State.VALIDATING, Upload.State.APPLYING):
        return False
    try:
        if upload["state"] == Upload.State.VALIDATING:
            upload_check_task.delay(upload_id)
        else:
            upload_apply_task.delay(upload_id, upload["confirmed_by_id"] or upload["uploaded_by_id"])
    except Exception:  # any broker failure: the sweep will enqueue it
        logger.warning("broker unavailable; upload %s waits for the sweep", upload_id, exc_info=True)
        return False
    Upload.objects.filter(pk=upload_id, state=upload["state"]).update(enqueued_at=timezone.now())
    return True


def upload_check(*, upload_id: int) -> None:
    """Read the upload and record every row's outcome; nothing is enrolled. Safe to repeat.

    Ends READY, or FAILED with the reason shown to the organiser, whatever happens: an unusable
    file, the time limit, a fault of ours. Never left checking.
    """
    upload = Upload.objects.select_related("cohort").filter(pk=upload_id).first()
    if upload is None or upload.state != Upload.State.VALIDATING:
        return
    Upload.objects.filter(pk=upload.pk).update(started_at=timezone.now())
    try:
        _validate(upload)
    except Exception as error:  # noqa: BLE001 - every failure ends in FAILED with a reason
        upload_fail(upload_id=upload.pk, reason=_failure_reason(error, applying=False))


def _validate(upload: Upload) -> None:
    if refusal := size_refusal(upload.file.size):
        raise SpreadsheetError(refusal)
    with upload.file.open("rb") as fh:
        rows = read_rows(fh.read(), upload.original_name)
    Upload.objects.filter(pk=upload.pk).update(total_rows=len(rows), processed_rows=0)
    outcomes = rows_check(cohort=upload.cohort, rows=rows, progress=_reporter(upload.pk, weight=0.5))
    with transaction.atomic():
        if not _locked_in_state(upload.pk, Upload.State.VALIDATING):
            return  # another delivery of the same step finished it meanwhile
        UploadRow.objects.filter(upload=upload).delete()
        report, done = _reporter(upload.pk, offset=len(rows) // 2, weight=0.5), 0
        for chunk in _chunks(outcomes, CHUNK):
            done += len(chunk)
            report(done)
            UploadRow.objects.bulk_create(
                UploadRow(upload=upload, row_number=o.row.number, nip=o.nip or o.row.nip[:30], full_name=o.row.full_name[:150],
                          email=o.email[:320], instansi=o.row.instansi[:200], jabatan=o.row.jabatan[:200],
                          outcome=o.outcome, message=o.message[:300], user_id=o.user_id)
                for o in chunk
            )  # fmt: skip
        Upload.objects.filter(pk=upload.pk).update(
            state=Upload.State.READY, processed_rows=len(rows), counts=_count(outcomes)
        )


def _locked_in_state(upload_id: int, state: str) -> bool:
    """Lock the upload's row (until the transaction ends) and tell whether it is still in ``state``."""
    locked = Upload.objects.select_for_update().filter(pk=upload_id, state=state)
    return locked.values_list("pk", flat=True).first() is not None


def _failure_reason(error: Exception, *, applying: bool) -> str:
    """What the organiser reads when a step failed on ``error``."""
    if isinstance(error, SpreadsheetError):
        return str(error)
    if isinstance(error, SoftTimeLimitExceeded):
        if applying:
            return _(
                "Enrolling the participants took longer than allowed and was stopped; nobody was enrolled. Split "
                "the file into smaller files and upload them again."
            )
        return _(
            "Checking the file took longer than allowed and was stopped. Split it into smaller files and upload "
            "them again."
        )
    if isinstance(error, MemoryError):
        return _(
            "The file needs more memory than Literasi allows to be read; nobody was enrolled. Split it into "
            "smaller files and upload them again."
        )
    logger.exception("upload step failed")
    return _(
        "Something went wrong on our side while working on this file; nobody was enrolled from it. Upload it "
        "again; if this happens again, tell the national admin."
    )


def upload_fail(*, upload_id: int, reason: str) -> bool:
    """Mark an upload that is being checked or applied as failed, with the reason the organiser
    reads; they may upload a file again. One that is ready or applied is left alone. Returns
    whether it was marked. Safe to repeat."""
    updated = Upload.objects.filter(pk=upload_id, state__in=[Upload.State.VALIDATING, Upload.State.APPLYING]).update(
        state=Upload.State.FAILED, error=reason
    )
    return bool(updated)


def upload_give_up(*, upload_id: int) -> None:
    """Fail an upload whose step stopped its worker as often as allowed (killed for memory, say):
    it is not tried again (see literasi.celery.BoundedDeliveryTask)."""
    upload_fail(
        upload_id=upload_id,
        reason=_(
            "Working on this file stopped the worker %(times)d times (it probably needs more memory than "
            "Literasi allows), so it is not tried again; nobody was enrolled from it. Split it into smaller "
            "files and upload them again."
        )
        % {"times": settings.CELERY_TASK_MAX_DELIVERIES},
    )


def _count(outcomes: list[CheckedRow]) -> dict[str, int]:
    counts = dict.fromkeys(UploadRow.Outcome.values, 0)
    for o in outcomes:
        counts[o.outcome] += 1
    return counts


def upload_confirm(*, upload: Upload, actor: User) -> None:
    """Ask for a checked upload to be applied (in the background, batch queue). Safe to repeat.

    As for ``upload_create``, a broker that is away never fails the request: the sweep enqueues it.
    """
    _require_manager(actor, upload.cohort.province_id)
    updated = Upload.objects.filter(pk=upload.pk, state=Upload.State.READY).update(
        state=Upload.State.APPLYING, processed_rows=0, confirmed_by=actor, enqueued_at=None, started_at=None
    )
    if updated:
        _reporter(upload.pk)(0)
        transaction.on_commit(lambda: upload_enqueue(upload_id=upload.pk))


def upload_apply(*, upload_id: int, actor_id: int) -> None:
    """Enrol the valid rows of a confirmed upload, all in one transaction.

    The rows are checked again inside the transaction (someone may have enrolled meanwhile, or
    the cohort filled up), so what is applied is always consistent, and each row then records
    what happened to it, not what the preview predicted. Rows already in the cohort change
    nothing, so applying the same file twice enrols nobody twice. Invitations are sent after the
    commit. Any failure (the time limit included) rolls everything back and ends the upload
    FAILED with the reason.
    """
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None or upload.state != Upload.State.APPLYING:
        return
    Upload.objects.filter(pk=upload.pk).update(started_at=timezone.now())
    try:
        _apply(upload, actor_id)
    except Exception as error:  # noqa: BLE001 - every failure ends in FAILED with a reason
        upload_fail(upload_id=upload.pk, reason=_failure_reason(error, applying=True))


def _apply(upload: Upload, actor_id: int) -> None:
    stored = list(upload.rows.all())
    rows = [
        Row(
            number=r.row_number, nip=r.nip, full_name=r.full_name, email=r.email, instansi=r.instansi, jabatan=r.jabatan
        )
        for r in stored
    ]
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().get(pk=upload.cohort_id)  # one apply per cohort at a time
        if not _locked_in_state(upload.pk, Upload.State.APPLYING):
            return  # another delivery of the same step applied it meanwhile
        outcomes = rows_check(cohort=cohort, rows=rows, progress=_reporter(upload.pk, weight=0.5))
        _enrol(cohort=cohort, outcomes=outcomes, actor_id=actor_id, upload=upload)
        _record_outcomes(stored, outcomes)
        _reporter(upload.pk)(len(rows))
        Upload.objects.filter(pk=upload.pk).update(
            state=Upload.State.APPLIED, applied_at=timezone.now(), processed_rows=len(rows),
            counts=_count(outcomes),
        )  # fmt: skip


def _record_outcomes(stored: list[UploadRow], outcomes: list[CheckedRow]) -> None:
    """Write on each row what applying did to it: the account it was enrolled with, or why it
    was refused where that differs from the preview (the cohort filled up meanwhile, say)."""
    by_number = {o.row.number: o for o in outcomes}
    new_accounts, changed = [], []
    for row in stored:
        o = by_number[row.row_number]
        message = o.message[:300]
        if (row.outcome, row.message) != (o.outcome, message) or row.user_id not in (None, o.user_id):
            row.outcome, row.message, row.user_id = o.outcome, message, o.user_id
            changed.append(row)
        elif row.user_id != o.user_id:
            new_accounts.append(row.pk)
    # Most rows differ only by the account just created for them: one UPDATE per thousand rows
    # finds it by its (unique) email. The few others are updated one by one, in bulk.
    account = User.objects.filter(email=OuterRef("email")).values("pk")
    for chunk in _chunks(new_accounts, CHUNK):
        UploadRow.objects.filter(pk__in=chunk).update(user=Subquery(account))
    UploadRow.objects.bulk_update(changed, ["outcome", "message", "user"], batch_size=100)


def uploads_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The scheduler's safety net for uploads and invitations, safe to run at any time:

    - an upload being checked or applied that was never handed to the broker (it was away), or
      handed over ``REENQUEUE_AFTER`` ago and never taken by a worker (the broker lost it), is
      enqueued;
    - one that a worker took longer ago than the batch hard time limit plus ``STUCK_MARGIN``
      (its worker died, or the time limit killed it, before anything was recorded) is marked
      failed with the reason;
    - invitations not sent are enqueued again (``invitations_sweep``).
    """
    now = now or timezone.now()
    in_progress = Upload.objects.filter(state__in=[Upload.State.VALIDATING, Upload.State.APPLYING])
    stuck_since = now - dt.timedelta(seconds=settings.CELERY_BATCH_TIME_LIMIT) - STUCK_MARGIN
    failed = 0
    for upload_id in in_progress.filter(started_at__lt=stuck_since).values_list("pk", flat=True)[:1000]:
        failed += upload_fail(
            upload_id=upload_id,
            reason=_(
                "Work on this file stopped without finishing (the worker was interrupted or ran out of time); "
                "nobody was enrolled from it. Upload it again."
            ),
        )
    waiting = in_progress.filter(started_at__isnull=True).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REENQUEUE_AFTER)
    )
    enqueued = 0
    for upload_id in waiting.values_list("pk", flat=True)[:1000]:
        if not upload_enqueue(upload_id=upload_id):
            break  # the broker is still away: try again at the next sweep
        enqueued += 1
    return {"failed": failed, "enqueued": enqueued, **invitations_sweep(now=now)}


def _enrol(*, cohort: Cohort, outcomes: list[CheckedRow], actor_id: int, upload: Upload | None) -> None:
    """Create the accounts and enrolments the outcomes call for, and their invitations (an outbox
    written in the same transaction, handed to the broker after the commit)."""
    now = timezone.now()
    new = [o for o in outcomes if o.outcome == UploadRow.Outcome.NEW]
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
    registrations_count(changes=Counter((u.province_id, u.employee_kind) for u in users))
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=u, email=u.email, primary=True, verified=False) for u in users), batch_size=CHUNK
    )
    for o, user in zip(new, users, strict=True):
        o.user_id = user.pk

    linked = [o for o in outcomes if o.outcome == UploadRow.Outcome.LINKED]
    # Linked learners with an enrolment in the course (self-enrolled, or removed from a cohort)
    # keep it, and its progress; the others get one.
    attach = [o.enrolment_id for o in linked if o.enrolment_id is not None]
    for chunk in _chunks(attach, CHUNK):
        Enrolment.objects.filter(pk__in=chunk).update(cohort=cohort, removed_at=None, province_id=cohort.province_id)
    created = Enrolment.objects.bulk_create(
        (
            Enrolment(user_id=o.account_id, course_id=cohort.course_id, cohort=cohort, province_id=cohort.province_id,
                      enrolled_at=now, origin=Origin.COHORT)
            for o in new + [o for o in linked if o.enrolment_id is None]
        ),
        batch_size=CHUNK,
    )  # fmt: skip
    progress_summary.record_enrolments(enrolment_ids=attach + [e.pk for e in created])
    CohortEvent.objects.bulk_create(
        (
            CohortEvent(cohort=cohort, action=CohortEvent.Action.ENROLLED, learner_id=o.account_id, actor_id=actor_id,
                        upload=upload, at=now)
            for o in new + linked
        ),
        batch_size=CHUNK,
    )  # fmt: skip
    invitations = [
        Invitation(cohort=cohort, user_id=u.pk, kind=Invitation.Kind.INVITATION, created_at=now) for u in users
    ]
    invitations += [Invitation(cohort=cohort, user_id=o.account_id, kind=Invitation.Kind.ENROLLED, created_at=now)
                    for o in linked]  # fmt: skip
    if invitations:
        Invitation.objects.bulk_create(invitations, batch_size=CHUNK)
        transaction.on_commit(lambda: invitations_enqueue(cohort_id=cohort.pk))


# --- One participant -----------------------------------------------------------------------------


@transaction.atomic
def participant_add(*, cohort: Cohort, actor: User, email: str, full_name: str = "", nip: str = "",
                    instansi: str = "", jabatan: str = "") -> CheckedRow:  # fmt: skip
    """Enrol one person by hand, under the same rules as an upload row (Refusal with the row's error).

    If the person signs up or enrols in the course on their own between the check and the
    enrolment (a unique constraint then refuses the insert), the row is checked again, once: it
    now finds their account or enrolment and links it."""
    _require_manager(actor, cohort.province_id)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    row = Row(number=1, nip=nip, full_name=full_name, email=email, instansi=instansi, jabatan=jabatan)
    for last_try in (False, True):
        try:
            with transaction.atomic():
                outcome = rows_check(cohort=cohort, rows=[row])[0]
                if outcome.outcome == UploadRow.Outcome.ERROR:
                    raise Refusal(outcome.message)
                if outcome.outcome != UploadRow.Outcome.ALREADY:
                    _enrol(cohort=cohort, outcomes=[outcome], actor_id=actor.pk, upload=None)
                return outcome
        except IntegrityError:
            if last_try:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


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
    progress_summary.record_enrolment_of(user_id=learner_id, course_id=cohort.course_id)
    if removed:
        CohortEvent.objects.create(cohort=cohort, action=CohortEvent.Action.REMOVED, learner_id=learner_id, actor=actor)
    return bool(removed)


# --- Invitations ---------------------------------------------------------------------------------


def invitations_enqueue(*, cohort_id: int) -> bool:
    """Hand the sending of a cohort's unsent invitations to the batch queue and mark them
    enqueued. Returns False, marking nothing, when the broker cannot be reached (the enrolment
    that asked for it is never failed for that: the sweep enqueues them). Safe to repeat."""
    from .tasks import invitations_send_task

    try:
        invitations_send_task.delay(cohort_id)
    except Exception:  # any broker failure: the sweep will enqueue them
        logger.warning("broker unavailable; invitations of cohort %s wait for the sweep", cohort_id, exc_info=True)
        return False
    Invitation.objects.filter(cohort_id=cohort_id, sent_at__isnull=True).update(
        enqueued_at=timezone.now(), enqueue_count=F("enqueue_count") + 1
    )
    return True


def invitations_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Enqueue the cohorts whose invitations were never handed to the broker, or were handed over
    ``REENQUEUE_AFTER`` ago and are still unsent (mail was down, the broker lost them), at most
    ``INVITATION_ENQUEUES`` times each. Safe to run at any time."""
    now = now or timezone.now()
    due = Invitation.objects.filter(sent_at__isnull=True, enqueue_count__lt=INVITATION_ENQUEUES).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REENQUEUE_AFTER)
    )
    enqueued = 0
    for cohort_id in due.order_by("cohort_id").values_list("cohort_id", flat=True).distinct()[:1000]:
        if not invitations_enqueue(cohort_id=cohort_id):
            break  # the broker is still away: try again at the next sweep
        enqueued += 1
    return {"invitation_cohorts": enqueued}


def invitations_send(*, cohort_id: int) -> int:
    """Email the cohort's participants whose invitation is not sent yet: new accounts a link to
    set their password, existing ones that they were enrolled. In Indonesian.

    Each batch is marked sent in the transaction that sends it: a crash sends one batch twice
    at most, and two runs at once (on PostgreSQL) never send the same batch. Safe to repeat.
    Returns how many emails were sent.
    """
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.core.mail import get_connection, send_mass_mail
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    cohort = Cohort.objects.select_related("course", "province").filter(pk=cohort_id).first()
    if cohort is None:
        return 0
    connection = get_connection()
    sent = 0
    while True:
        with transaction.atomic():
            unsent = Invitation.objects.filter(cohort=cohort, sent_at__isnull=True).select_related("user")
            batch = list(unsent.select_for_update(skip_locked=True, of=("self",))[:200])
            if not batch:
                return sent
            messages = []
            with translation.override(settings.LANGUAGE_CODE):
                for invitation in batch:
                    user = invitation.user
                    context = {"user": user, "cohort": cohort, "site_url": settings.SITE_URL}
                    if invitation.kind == Invitation.Kind.INVITATION:
                        key = default_token_generator.make_token(user)
                        path = reverse(
                            "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key}
                        )
                        context["link"] = settings.SITE_URL + path
                    else:
                        context["link"] = settings.SITE_URL + reverse("courses:detail", args=[cohort.course.slug])
                    subject = render_to_string(f"cohorts/email/{invitation.kind}_subject.txt", context).strip()
                    body = render_to_string(f"cohorts/email/{invitation.kind}_message.txt", context)
                    messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
            send_mass_mail(messages, connection=connection)
            Invitation.objects.filter(pk__in=[i.pk for i in batch]).update(sent_at=timezone.now())
            sent += len(batch)
