"""Defaults a new installation starts with (admins edit them in the settings pages)."""

from agents.examples import examples_defaults
from agents.models import Intent


def intents_ensure_defaults() -> None:
    """The shipped intents (agents/data/default_examples.json), created if missing."""
    for name, spec in examples_defaults().get("intents", {}).items():
        Intent.objects.get_or_create(name=name, defaults={"description": spec.get("description", "")[:300]})
