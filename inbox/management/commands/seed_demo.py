from django.core.management.base import BaseCommand

from inbox.demo import demo_exists, demo_load


class Command(BaseCommand):
    help = "Load the demo team, customers and conversations (once)."

    def handle(self, *args, **options):
        if demo_exists():
            self.stdout.write("Demo data already loaded.")
            self._ai_demo()
            return
        self.stdout.write("Loading demo data...")
        counts = demo_load()
        self.stdout.write(self.style.SUCCESS(", ".join(f"{v} {k}" for k, v in counts.items()) + " created."))
        self._ai_demo()

    def _ai_demo(self):
        from agents.demo import ai_demo_load

        counts = ai_demo_load()
        self.stdout.write(", ".join(f"{v} {k}" for k, v in counts.items()))
