"""Whether someone can answer a live chat right now.

The widget calls ``chat_available()`` when a visitor connects; when it is False the widget says
so and asks for an email address, so the conversation can continue by email.
"""

from datetime import datetime

from django.utils import timezone

from inbox.models import AgentProfile, Channel
from inbox.rules.apply import ai_covers_closed_team
from inbox.rules.conditions import RoutingContext
from inbox.rules.engine import rules_active, rules_evaluate


def chat_available(at: datetime | None = None) -> bool:
    """A human agent is online, or the routing rules give a new chat to the AI agent now."""
    if AgentProfile.objects.filter(presence=AgentProfile.Presence.ONLINE).exists():
        return True
    return _ai_answers_new_chat(at or timezone.now())


def _ai_answers_new_chat(at: datetime) -> bool:
    # A chat that has said nothing yet: rules on its words or intent cannot match, so this only
    # says "available" when the AI would answer whatever the visitor writes.
    ctx = RoutingContext(channel=Channel.CHAT, text="", at=at)
    decision = rules_evaluate(rules_active(), ctx)
    if decision.owner == "ai":
        return True
    team = (ctx.team_ids or {}).get(decision.team_id)
    return decision.owner == "team" and ai_covers_closed_team(decision, team, at)
