"""Thin batch-queue tasks for monitoring exports: ids in, services called, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from literasi.celery import EXPORTS_QUEUE, BoundedDeliveryTask, batch_task_options

from . import services


class RecordsExportTask(BoundedDeliveryTask):
    """Writing an export: once delivered too often (its worker keeps dying), the export is
    marked failed with the reason instead of being tried again."""

    def give_up(self, export_id: int, *args: object, **kwargs: object) -> None:
        services.records_export_give_up(export_id=export_id)


@shared_task(bind=True, **batch_task_options(base=RecordsExportTask, queue=EXPORTS_QUEUE))
def records_export_task(self: RecordsExportTask, export_id: int) -> None:
    """Write the file of an export of training records for SIASN (its own queue: minutes long)."""
    services.records_export_build(export_id=export_id, task_id=self.request.id or "")


@shared_task(**batch_task_options())
def records_exports_sweep_task() -> None:
    """From the scheduler: enqueue exports the broker never got, fail those left running past
    their time limit, delete files past their keeping time."""
    services.records_exports_sweep()
