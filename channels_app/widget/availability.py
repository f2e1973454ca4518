"""Whether someone can answer a live chat right now.

The widget calls ``chat_available()`` when a visitor connects; when it is False the widget says
so and asks for an email address, so the conversation can continue by email. This is the one
place to extend: hybrid routing can add business hours and "the AI agent answers" here.
"""

from inbox.models import AgentProfile


def chat_available() -> bool:
    """True while at least one human agent is online."""
    return AgentProfile.objects.filter(presence=AgentProfile.Presence.ONLINE).exists()
