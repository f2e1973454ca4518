"""Reads for the team-lead queue page: a fixed number of queries whatever the team's size."""

from django.db.models import Count, Q

from inbox.access import viewer
from inbox.models import AgentProfile, Conversation, Team

ACTIVE = (Conversation.Status.OPEN, Conversation.Status.PENDING)
QUEUE_ROWS = 200  # the page lists the longest-waiting; the counts cover everything


def teams_managed(user) -> list[Team]:
    """Admins manage every team; a lead their own teams; anyone else none (1 query)."""
    found = viewer(user)
    teams = Team.objects.order_by("name")
    if found.is_admin:
        return list(teams)
    if found.is_lead:
        return list(teams.filter(pk__in=found.team_ids))
    return []


def team_members(team: Team) -> list[AgentProfile]:
    """Members with presence, capacity and open load (open + pending, any team): 1 query."""
    return list(
        AgentProfile.objects.filter(teams=team)
        .select_related("user")
        .annotate(load=Count("user__conversations", filter=Q(user__conversations__status__in=ACTIVE), distinct=True))
        .order_by("user__first_name", "user__username")
    )


def team_queue(team: Team) -> dict:
    """The team's open conversations, longest waiting first, and its counts (2 queries)."""
    rows = list(
        Conversation.objects.filter(team=team, status__in=ACTIVE)
        .select_related("customer", "assignee")
        .order_by("waiting_since", "pk")[:QUEUE_ROWS]
    )
    counts = Conversation.objects.filter(team=team, status__in=ACTIVE).aggregate(
        open=Count("pk"),
        backlog=Count("pk", filter=Q(owner=Conversation.Owner.UNASSIGNED)),
        ai=Count("pk", filter=Q(owner=Conversation.Owner.AI)),
    )
    return {
        "backlog": [c for c in rows if c.owner == Conversation.Owner.UNASSIGNED],
        "assigned": [c for c in rows if c.owner != Conversation.Owner.UNASSIGNED],
        "counts": counts,
        "truncated": counts["open"] > len(rows),
    }
