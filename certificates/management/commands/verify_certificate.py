"""python manage.py verify_certificate FILE: check a certificate PDF or credential offline."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates.verification import verify_file


class Command(BaseCommand):
    help = "Check a certificate PDF or credential (JWT): signatures, key, tampering; the status when online."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--offline", action="store_true", help="Do not fetch the status list.")

    def handle(self, *args: object, file: str, offline: bool = False, **options: object) -> None:
        report = verify_file(Path(file).read_bytes(), online=not offline)
        for line in report.lines:
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("the certificate did not pass every check")
        self.stdout.write(self.style.SUCCESS("the certificate passed every check"))
