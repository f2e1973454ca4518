"""Defaults a new installation starts with (admins edit them in the settings pages)."""

DEFAULT_INTENTS = [
    ("order_status", "Where is my order, delivery times, tracking"),
    ("refund", "Refunds, returns and money back"),
    ("billing", "Invoices, charges, payment methods"),
    ("account", "Login, password, profile and account settings"),
    ("technical", "Something does not work as expected"),
    ("sales", "Questions before buying, pricing, plans"),
    ("human_request", "The customer asks to talk to a person"),
    ("thanks", "The customer confirms the problem is solved or says thanks"),
    ("other", "Anything else"),
]


def intents_ensure_defaults() -> None:
    from agents.models import Intent

    for name, description in DEFAULT_INTENTS:
        Intent.objects.get_or_create(name=name, defaults={"description": description})
