from django.core.management.base import BaseCommand

from inbox.demo import demo_exists, demo_load


class Command(BaseCommand):
    help = "Load the demo team, customers and conversations (once)."

    def handle(self, *args, **options):
        if demo_exists():
            self.stdout.write("Demo data already loaded.")
            return
        self.stdout.write("Loading demo data...")
        counts = demo_load()
        self.stdout.write(self.style.SUCCESS(", ".join(f"{v} {k}" for k, v in counts.items()) + " created."))
