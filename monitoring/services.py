"""Exports of training records for SIASN, built by a batch worker: asking for one, writing it,
the sweep that keeps the queue honest, and deleting files past their keeping time.

Who may export which provinces is ``literasi.selectors.provinces_managed_by``, applied by the
views when an export is asked for and again when it is downloaded.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import tempfile
from collections.abc import Iterator

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from literasi.errors import Refusal
from literasi.models import Province, User
from literasi.queueing import publish

from . import exports, selectors
from .filters import described, filters_from, query_of
from .models import RecordsExport
from .selectors import Filters

logger = logging.getLogger(__name__)

# One person may have this many exports waiting or being written at once.
IN_PROGRESS_MAX = 3
# The sweep enqueues again an export handed to the broker this long ago and never taken (a
# broker restarted empty loses its messages); once one message has taken it, any other does nothing.
REENQUEUE_AFTER = dt.timedelta(minutes=10)
# An export a worker took longer ago than the batch hard time limit plus this has died unrecorded.
STUCK_MARGIN = dt.timedelta(minutes=5)
# Excel's sheet has 1,048,576 rows, the header is one: a larger XLSX would not open.
XLSX_MAX_RECORDS = 1_048_575
# The records are fetched this many at a time, and the row count shown while a file is written is
# updated every this many rows. Read by key in separate queries instead, a national export took
# 86 s for 1,000,000 rows against 46-61 s (make bench-export), and a narrow one would scan the
# table's key order for every chunk.
CHUNK = 2000


def records_export_request(*, user: User, fmt: str, provinces: QuerySet[Province], filters: Filters) -> RecordsExport:
    """Ask for the training records of ``provinces`` (already limited to those ``user`` manages),
    narrowed by ``filters``, as a CSV or XLSX file written by a batch worker.

    Asking again for an export the same person is still waiting for returns that one (a second
    click makes no second file). Refused, with the reason, past ``IN_PROGRESS_MAX`` exports in
    progress. The task is enqueued after the commit (on the exports queue, which has workers of
    its own, so a national export never holds up imports or certificates); if the broker is away
    the sweep enqueues it.
    """
    codes = sorted(provinces.values_list("code", flat=True))
    query = query_of(filters)
    with transaction.atomic():
        # One request at a time per person (READ COMMITTED: the next one's read below sees this
        # one's export). no_key: foreign keys to the user (a cohort it creates) need not wait.
        User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
        waiting = RecordsExport.objects.filter(
            requested_by=user, state__in=[RecordsExport.State.QUEUED, RecordsExport.State.RUNNING]
        ).prefetch_related("provinces")
        for export in waiting:
            if export.fmt == fmt and export.query == query and sorted(p.code for p in export.provinces.all()) == codes:
                return export
        if len(waiting) >= IN_PROGRESS_MAX:
            raise Refusal(
                _("You already have %(count)d exports being prepared. Wait until one of them is ready.")
                % {"count": IN_PROGRESS_MAX}
            )
        export = RecordsExport.objects.create(
            requested_by=user, fmt=fmt, query=query, description=described(filters),
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )  # fmt: skip
        export.provinces.set(provinces)
        transaction.on_commit(lambda: records_export_enqueue(export_id=export.pk), robust=True)
    return export


def records_export_enqueue(*, export_id: int) -> bool:
    """Hand an export waiting for a worker to the exports queue and note when (the outbox mark).

    Returns False, leaving the mark as it was, when the broker cannot be reached; True once the
    broker took it (a worker may already have taken it further). Safe to repeat.
    """
    from .tasks import records_export_task

    if not publish(records_export_task, export_id):
        return False
    RecordsExport.objects.filter(pk=export_id, state=RecordsExport.State.QUEUED).update(enqueued_at=timezone.now())
    return True


def records_export_build(*, export_id: int, task_id: str) -> None:
    """Write an export's file: one row per valid certificate of its provinces and filters, read
    in chunks and written row by row (bounded memory whatever the count), stored under a random
    name of its own, then offered.

    Ends READY with the file, or FAILED with the reason shown to the person who asked,
    whatever happens; no file is offered half-written, and none is left behind by a failure
    (what a killed worker leaves, the sweep deletes). Safe to repeat: the task ``task_id`` takes
    an export waiting for a worker, or one it was writing itself (a redelivery after its worker
    died: written again from the start); any other delivery, and an export that is ready,
    failed or deleted, is left alone.
    """
    taken = (
        RecordsExport.objects.filter(pk=export_id)
        .filter(Q(state=RecordsExport.State.QUEUED) | Q(state=RecordsExport.State.RUNNING, task_id=task_id))
        .update(state=RecordsExport.State.RUNNING, started_at=timezone.now(), task_id=task_id, rows=0)
    )
    if not taken:
        return
    export = RecordsExport.objects.get(pk=export_id)
    if export.file.name:  # what the delivery whose worker died had begun to write
        default_storage.delete(export.file.name)
    name = f"exports/{export_id}-{secrets.token_urlsafe(12)}.{export.fmt}"
    RecordsExport.objects.filter(pk=export_id, task_id=task_id).update(file=name)
    with translation.override(export.language):
        try:
            saved, rows, size = _write(export, name, task_id)
        except _Abandoned:  # failed by the sweep, or taken over, meanwhile: stop, keep nothing
            default_storage.delete(name)
            return
        except Exception as error:  # noqa: BLE001 - every failure ends in FAILED with a reason
            default_storage.delete(name)
            records_export_fail(export_id=export_id, reason=_failure_reason(error))
            return
    # Offered only by the build whose file the row names (a takeover would have renamed it).
    offered = RecordsExport.objects.filter(
        pk=export_id, state=RecordsExport.State.RUNNING, task_id=task_id, file=name
    ).update(state=RecordsExport.State.READY, file=saved, rows=rows, size=size, finished_at=timezone.now())
    if not offered:  # failed by the sweep meanwhile: the file would be offered to nobody
        default_storage.delete(saved)


def export_records(export: RecordsExport) -> QuerySet:
    """The records ``export`` holds, by its provinces and the filters it was asked with. Refusal
    if a filter no longer applies (a course unpublished since): never widen an export unseen."""
    filters, notes, _choices = filters_from(QueryDict(export.query))
    if notes:
        raise Refusal(
            _("The filters of this export no longer apply (a course was unpublished since, say); nothing was "
              "exported. Ask for it again from the monitoring page.")
        )  # fmt: skip
    return selectors.training_records(provinces=export.provinces.all(), filters=filters)


def _write(export: RecordsExport, name: str, task_id: str) -> tuple[str, int, int]:
    """Write the file to storage under ``name``; returns its name there, its rows and its size."""
    records = export_records(export)
    total = records.count()
    if export.fmt == RecordsExport.Format.XLSX and total > XLSX_MAX_RECORDS:
        raise Refusal(
            _("An XLSX sheet holds at most %(max)s records and this export has %(count)s. Ask for CSV, or narrow the "
              "export (one province, one year or one course).")
            % {"max": intcomma(XLSX_MAX_RECORDS), "count": intcomma(total)}
        )  # fmt: skip
    RecordsExport.objects.filter(pk=export.pk, task_id=task_id).update(total=total)
    counted = _Counted(export.pk, task_id, name, records)
    rows = exports.siasn_rows(counted)
    with tempfile.TemporaryFile() as target:
        if export.fmt == RecordsExport.Format.XLSX:
            exports.xlsx_write(exports.siasn_header(), rows, target, sheet=_("Training records"))
        else:
            exports.csv_write(exports.siasn_header(), rows, target)
        size = target.tell()
        target.seek(0)
        saved = default_storage.save(name, File(target))  # the name itself: it is random and new
    return saved, counted.count, size


class _Abandoned(Exception):
    """The export is no longer this build's to write (the sweep failed it, or it was taken over)."""


class _Counted:
    """The records as the export reads them (``iterator``: a server-side cursor on PostgreSQL, so
    memory stays bounded), counted, with the count written to the row every ``CHUNK`` rows for
    the page that shows the export's progress. That write also checks the export is still this
    build's; if not, ``_Abandoned`` stops the work."""

    def __init__(self, export_id: int, task_id: str, name: str, records: QuerySet) -> None:
        self.export_id, self.task_id, self.name, self.records, self.count = export_id, task_id, name, records, 0

    def __iter__(self) -> Iterator[tuple]:
        for record in self.records.iterator(chunk_size=CHUNK):
            self.count += 1
            if self.count % CHUNK == 0 and not RecordsExport.objects.filter(
                pk=self.export_id, state=RecordsExport.State.RUNNING, task_id=self.task_id, file=self.name
            ).update(rows=self.count):
                raise _Abandoned
            yield record


def download_name(export: RecordsExport) -> str:
    """The file's name for the person downloading it: what it holds and when it was asked for."""
    codes = [p.code for p in export.provinces.all()]
    scope = "nasional" if len(codes) == Province.objects.count() else "-".join(sorted(codes)[:5])
    when = timezone.localtime(export.requested_at).strftime("%Y%m%d-%H%M")
    return f"riwayat-pelatihan-siasn-{scope}-{when}.{export.fmt}"


def _failure_reason(error: Exception) -> str:
    if isinstance(error, Refusal):
        return error.message
    if isinstance(error, SoftTimeLimitExceeded):
        return _(
            "Writing the file took longer than allowed and was stopped. Narrow the export (one province, one year "
            "or one course) and ask for it again."
        )
    logger.exception("records export failed")
    return _("The file could not be written because of a fault on our side; it has been logged. Ask for it again.")


def records_export_fail(*, export_id: int, reason: str, started_before: dt.datetime | None = None) -> bool:
    """Mark an export that is waiting or being written as failed, with the reason shown to the
    person who asked (``started_before``: only if the worker took it before then). Returns
    whether it was marked. Its file, if any was begun, is left for the sweep. Safe to repeat."""
    exports = RecordsExport.objects.filter(
        pk=export_id, state__in=[RecordsExport.State.QUEUED, RecordsExport.State.RUNNING]
    )
    if started_before is not None:
        exports = exports.filter(started_at__lt=started_before)
    return bool(exports.update(state=RecordsExport.State.FAILED, error=reason, finished_at=timezone.now()))


def records_export_give_up(*, export_id: int) -> None:
    """Fail an export whose task stopped its worker as often as allowed (killed for memory, say)."""
    language = RecordsExport.objects.filter(pk=export_id).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        records_export_fail(
            export_id=export_id,
            reason=_(
                "Writing this file stopped the worker %(times)d times, so it is not tried again. Narrow the export "
                "(one province, one year or one course) and ask for it again."
            )
            % {"times": settings.CELERY_TASK_MAX_DELIVERIES},
        )


def _deleted(name: str) -> bool:
    """Delete a file from storage; False (logged) if storage refused, so the next sweep tries again
    and one bad file never stops the sweep."""
    try:
        default_storage.delete(name)
    except Exception:  # any storage failure: logged, tried again at the next sweep
        logger.exception("cannot delete export file %s", name)
        return False
    return True


def records_exports_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The scheduler's safety net for exports, safe to run at any time:

    - one a worker took longer ago than the batch hard time limit plus ``STUCK_MARGIN`` (its
      worker died and no redelivery took it over) is marked failed with the reason;
    - an export never handed to the broker, or handed over ``REENQUEUE_AFTER`` ago and never
      taken by a worker, is enqueued;
    - the file of an export ready for longer than ``settings.EXPORT_KEEP_DAYS`` is deleted (the
      records hold NIPs), and what a failed build left; the row stays, as the record of who
      exported what, when.
    """
    now = now or timezone.now()
    stuck_since = now - dt.timedelta(seconds=settings.CELERY_BATCH_TIME_LIMIT) - STUCK_MARGIN
    failed = 0
    running = RecordsExport.objects.filter(state=RecordsExport.State.RUNNING, started_at__lt=stuck_since)
    for export_id, language in running.values_list("pk", "language")[:1000]:
        with translation.override(language):
            reason = _("Writing the file stopped without finishing (the worker was interrupted). Ask for it again.")
        failed += records_export_fail(export_id=export_id, reason=reason, started_before=stuck_since)
    waiting = RecordsExport.objects.filter(state=RecordsExport.State.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REENQUEUE_AFTER)
    )
    enqueued = 0
    for export_id in waiting.values_list("pk", flat=True)[:1000]:
        if not records_export_enqueue(export_id=export_id):
            break  # the broker is still away: try again at the next sweep
        enqueued += 1
    expired = 0
    old = RecordsExport.objects.filter(
        state=RecordsExport.State.READY, finished_at__lt=now - dt.timedelta(days=settings.EXPORT_KEEP_DAYS)
    )
    for export_id, name in old.values_list("pk", "file")[:1000]:
        if _deleted(name):  # first: a row cleared before its file would forget the file
            expired += RecordsExport.objects.filter(pk=export_id, state=RecordsExport.State.READY).update(
                state=RecordsExport.State.EXPIRED, file=""
            )
    left = RecordsExport.objects.filter(state=RecordsExport.State.FAILED).exclude(file="")
    for export_id, name in left.values_list("pk", "file")[:1000]:
        if _deleted(name):
            RecordsExport.objects.filter(pk=export_id, state=RecordsExport.State.FAILED, file=name).update(file="")
    return {"failed": failed, "enqueued": enqueued, "expired": expired}
