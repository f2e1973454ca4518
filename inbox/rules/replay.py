"""The rule tester (one made-up message) and replay (a draft over recent real conversations).

Neither writes anything. Replay re-makes the decision each conversation got when it arrived:
its first inbound message, its channel, text, classification and time, the customer's tags and
attributes as they are now, and whether the customer had an earlier conversation.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone

from inbox.models import Conversation, Customer, Message, Team
from inbox.models_routing import RoutingRule
from inbox.rules.conditions import RoutingContext
from inbox.rules.engine import Decision, rules_evaluate

REPLAY_MAX_CONVERSATIONS = 2000


def rules_with_draft(draft: RoutingRule) -> list[RoutingRule]:
    """The saved rules in order, with ``draft`` in place of its saved self (or appended if new)."""
    from inbox.rules.engine import rules_active

    rules = [draft if r.pk == draft.pk and draft.pk else r for r in rules_active()]
    if draft.pk is None:
        position = len([r for r in rules if not r.is_default])
        rules.insert(position, draft)
    return rules


def rules_test(
    *,
    rules: list[RoutingRule],
    channel: str,
    text: str,
    at: datetime,
    customer: Customer | None = None,
    classification: dict | None = None,
) -> Decision:
    returning = bool(customer and customer.conversations.exists())
    ctx = RoutingContext(
        channel=channel,
        text=text,
        at=at,
        classification=classification or {},
        customer_tags=list(customer.tags) if customer else [],
        customer_attributes=dict(customer.attributes) if customer else {},
        returning=returning,
    )
    return rules_evaluate(rules, ctx)


@dataclass
class ReplayRow:
    conversation_id: int
    customer: str
    at: datetime
    text: str
    before: str
    after: str


@dataclass
class ReplayResult:
    days: int
    total: int
    changed: list[ReplayRow]
    transitions: dict[tuple[str, str], int]


def _outcome(decision: Decision, teams: dict, users: dict) -> str:
    if decision.owner == "ai":
        who = "AI agent" + (f" ({decision.procedure})" if decision.procedure else "")
    elif decision.owner == "team":
        team = teams.get(decision.team_id)
        who = f"Team {team.name if team else '?'}"
        if decision.after_hours == "ai":
            who += " (AI after hours)"
    elif decision.owner == "agent":
        user = users.get(decision.agent_id)
        who = f"Agent {user.get_full_name() or user.get_username() if user else '?'}"
    else:
        who = "Unassigned queue"
    extras = []
    if decision.priority is not None:
        extras.append(f"priority {Conversation.Priority(decision.priority).label}")
    if decision.tags:
        extras.append("tags " + ", ".join(decision.tags))
    if decision.sla_policy_id:
        extras.append(f"SLA #{decision.sla_policy_id}")
    return who + (f" · {'; '.join(extras)}" if extras else "")


def rules_replay(*, current: list[RoutingRule], draft: list[RoutingRule], days: int) -> ReplayResult:
    """Decide each conversation of the last ``days`` days with both rule sets; list differences.

    A fixed number of queries, whatever the number of conversations.
    """
    since = timezone.now() - timedelta(days=days)
    earlier = Conversation.objects.filter(
        customer_id=OuterRef("conversation__customer_id"), created_at__lt=OuterRef("conversation__created_at")
    )
    firsts = (
        Message.objects.filter(direction=Message.Direction.INBOUND, conversation__created_at__gte=since)
        .order_by("conversation_id", "created_at", "pk")
        .distinct("conversation_id")
        .select_related("conversation__customer")
        .annotate(returning=Exists(earlier))[:REPLAY_MAX_CONVERSATIONS]
    )
    teams = {t.pk: t for t in Team.objects.select_related("hours")}
    users = {u.pk: u for u in get_user_model().objects.filter(agent__isnull=False)}
    transitions: dict[tuple[str, str], int] = {}
    changed = []
    total = 0
    for message in firsts:
        total += 1
        customer = message.conversation.customer
        ctx = RoutingContext(
            channel=message.channel,
            text=message.text,
            at=message.created_at,
            classification=message.classification or {},
            customer_tags=list(customer.tags),
            customer_attributes=dict(customer.attributes),
            returning=message.returning,
            team_ids=teams,
        )
        before = _outcome(rules_evaluate(current, ctx), teams, users)
        after = _outcome(rules_evaluate(draft, ctx), teams, users)
        if before != after:
            transitions[(before, after)] = transitions.get((before, after), 0) + 1
            changed.append(
                ReplayRow(message.conversation_id, str(customer), message.created_at, message.text[:120], before, after)
            )
    changed.sort(key=lambda row: row.at, reverse=True)
    return ReplayResult(days=days, total=total, changed=changed, transitions=transitions)
