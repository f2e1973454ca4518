import sys

from django.core.management.base import BaseCommand

from inbox.metrics.facts import conversation_facts_refresh


class Command(BaseCommand):
    help = "Refresh the KPI facts (incremental; --full recomputes every conversation)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true")

    def handle(self, *args, full: bool, **options):
        def progress(done: int, total: int) -> None:
            filled = int(30 * done / total)
            sys.stdout.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} conversations")
            sys.stdout.flush()

        count = conversation_facts_refresh(full=full, progress=progress)
        self.stdout.write(f"\nRefreshed facts of {count} conversations.")
