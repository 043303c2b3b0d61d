from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.content import ContentError
from courses.services import content_sync


class Command(BaseCommand):
    help = "Sync the course folders (content/ by default) into the database. Safe to repeat."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", default=str(settings.BASE_DIR / "content"))

    def handle(self, *args: object, path: str, **options: object) -> None:
        try:
            report = content_sync(root=Path(path))
        except ContentError as error:
            raise CommandError(f"Nothing was changed. {error}") from error
        for line in report.created:
            self.stdout.write(f"  created      {line}")
        for line in report.updated:
            self.stdout.write(f"  updated      {line}")
        for line in report.unpublished:
            self.stdout.write(f"  unpublished  {line}")
        summary = (
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unpublished)} unpublished, {report.unchanged} unchanged"
        )
        self.stdout.write(self.style.SUCCESS(summary) if report.changed else f"Nothing changed ({summary}).")
