from __future__ import annotations

from django.core.management.base import BaseCommand

from courses import progress_summary
from literasi.services import registrations_rebuild
from monitoring import facts


class Command(BaseCommand):
    help = "Rebuild the monitoring summary from the facts and report every difference found."

    def handle(self, *args: object, **options: object) -> None:
        differences = facts.summary_differences() + registrations_rebuild()
        for line in differences[:50]:
            self.stdout.write(line)
        if len(differences) > 50:
            self.stdout.write(f"... and {len(differences) - 50} more")
        progress_summary.summary_rebuild(facts=list(facts.enrolment_facts()), jp_years=facts.jp_years())
        if differences:
            self.stdout.write(self.style.WARNING(f"{len(differences)} summary rows differed; rebuilt from the facts."))
        else:
            self.stdout.write(self.style.SUCCESS("The summary matched the facts; rebuilt from them."))
