from django.core.management.base import BaseCommand

from inbox.metrics.facts import conversation_facts_refresh
from inbox.progress import Progress


class Command(BaseCommand):
    help = "Refresh the KPI facts (incremental; --full recomputes every conversation)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true")

    def handle(self, *args, full: bool, **options):
        bar: Progress | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            bar = bar or Progress("conversations", total)
            bar.update(done)

        count = conversation_facts_refresh(full=full, progress=progress)
        self.stdout.write(f"Refreshed facts of {count} conversations.")
