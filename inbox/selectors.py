"""Reads for the inbox pages: each a constant number of queries whatever the volume."""

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.db.models import Count, F, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from inbox.access import conversations_visible_q, viewer
from inbox.models import (
    AgentProfile,
    Attachment,
    Channel,
    ContactPoint,
    Conversation,
    Customer,
    Message,
    Notification,
    SavedFilter,
    Team,
)

ACTIVE = [Conversation.Status.OPEN, Conversation.Status.PENDING]
VIEWS = {
    "open": ("All open", Q(status__in=ACTIVE)),
    "unassigned": ("Unassigned", Q(status__in=ACTIVE, owner=Conversation.Owner.UNASSIGNED)),
    "ai": ("Handled by AI", Q(status__in=ACTIVE, owner=Conversation.Owner.AI)),
    "snoozed": ("Snoozed", Q(status=Conversation.Status.SNOOZED)),
    "resolved": ("Resolved", Q(status=Conversation.Status.RESOLVED)),
}


@dataclass(frozen=True)
class Sort:
    label: str
    field: str
    descending: bool


SORTS = {
    "waiting": Sort("Waiting longest", "waiting_since", descending=False),
    "newest": Sort("Newest", "last_message_at", descending=True),
    "priority": Sort("Priority", "priority", descending=True),
}


@dataclass
class ListQuery:
    """What the middle pane shows: a view, optional filters, a sort and a cursor."""

    view: str = "open"
    sort: str = "waiting"
    channel: str = ""
    team: str = ""
    status: str = ""
    priority: str = ""
    tag: str = ""
    owner: str = ""
    cursor: str = ""

    @classmethod
    def from_params(cls, params) -> "ListQuery":
        query = cls(**{k: (params.get(k) or "").strip()[:100] for k in cls.__dataclass_fields__ if params.get(k)})
        if query.sort not in SORTS:
            query.sort = "waiting"
        return query

    def params(self, **override) -> dict[str, str]:
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        values.update(override)
        return {k: v for k, v in values.items() if v}


@dataclass
class Page:
    conversations: list[Conversation]
    next_cursor: str = ""
    query: ListQuery = field(default_factory=ListQuery)


def view_filter(view: str, user) -> Q:
    """The conversations a left-pane view holds. Unknown views fall back to all open."""
    if view == "mine":
        return Q(assignee=user, status__in=ACTIVE)
    if view.startswith("team:") and view[5:].isdigit():
        return Q(team_id=int(view[5:]), status__in=ACTIVE)
    if view.startswith("channel:") and view[8:] in Channel.values:
        return Q(channels__contains=[view[8:]], status__in=ACTIVE)
    return VIEWS.get(view, VIEWS["open"])[1]


def conversations_visible(user) -> QuerySet[Conversation]:
    """Every conversation ``user`` may see (inbox/access.py): one WHERE clause, no per-row checks."""
    return Conversation.objects.filter(conversations_visible_q(user))


def _filters(query: ListQuery, user) -> Q:
    q = view_filter(query.view, user) & conversations_visible_q(user)
    if query.channel in Channel.values:
        q &= Q(channels__contains=[query.channel])
    if query.team.isdigit():
        q &= Q(team_id=int(query.team))
    if query.status in Conversation.Status.values:
        q &= Q(status=query.status)
    if query.priority.isdigit():
        q &= Q(priority=int(query.priority))
    if query.tag:
        q &= Q(tags__contains=[query.tag.lower()])
    if query.owner in Conversation.Owner.values:
        q &= Q(owner=query.owner)
    return q


def sidebar(user) -> dict:
    """Left pane: views with counts, teams, channels and the agent's saved filters (4 queries).

    Counts come from two grouped queries that each read one index, never the whole table: the
    active conversations through the partial index conv_active_counts (index-only: owner, team,
    channels and assignee are all in it), and snoozed/resolved by status. Python adds up the
    few hundred groups (cheaper than a dozen FILTERed counts).
    """
    teams = Team.objects.order_by("name")
    if not viewer(user).sees_all:
        teams = teams.filter(pk__in=viewer(user).team_ids)
    teams = list(teams)
    visible = conversations_visible(user)
    active_groups = (
        visible.filter(status__in=ACTIVE)
        .values("owner", "team_id", "channels")
        .annotate(n=Count("*"), mine=Count("assignee", filter=Q(assignee=user)))  # in the index; COUNT(id) is not
        .order_by()
    )
    counts = {key: 0 for key in [*VIEWS, "mine"]}
    counts.update({f"team:{t.pk}": 0 for t in teams})
    counts.update({f"channel:{c}": 0 for c in Channel.values})
    for g in active_groups:
        counts["open"] += g["n"]
        counts["mine"] += g["mine"]
        counts["unassigned"] += g["n"] if g["owner"] == Conversation.Owner.UNASSIGNED else 0
        counts["ai"] += g["n"] if g["owner"] == Conversation.Owner.AI else 0
        if f"team:{g['team_id']}" in counts:
            counts[f"team:{g['team_id']}"] += g["n"]
        for channel in set(g["channels"] or ()):
            if f"channel:{channel}" in counts:
                counts[f"channel:{channel}"] += g["n"]
    closed = visible.filter(status__in=["snoozed", "resolved"]).values("status").annotate(n=Count("*"))
    for g in closed.order_by():
        counts[g["status"]] += g["n"]
    views = [("mine", "Mine"), *((key, label) for key, (label, _) in VIEWS.items())]
    return {
        "views": [(key, label, counts[key]) for key, label in views],
        "teams": [(f"team:{t.pk}", t.name, counts[f"team:{t.pk}"]) for t in teams],
        "channels": [(f"channel:{c.value}", c.label, counts[f"channel:{c.value}"]) for c in Channel],
        "saved_filters": list(SavedFilter.objects.filter(user=user)),
    }


def view_counts(user) -> dict[str, int]:
    data = sidebar(user)
    return {key: count for key, _, count in data["views"] + data["teams"] + data["channels"]}


def _cursor_encode(conversation: Conversation, sort: Sort) -> str:
    key = getattr(conversation, sort.field)
    raw = json.dumps([key.isoformat() if isinstance(key, datetime) else key, conversation.pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_decode(cursor: str, sort: Sort) -> tuple:
    try:
        key, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(pk, int):
            raise ValueError
        if key is not None and sort.field != "priority":
            key = parse_datetime(key)
            if key is None:
                raise ValueError
        elif key is not None and not isinstance(key, int):
            raise ValueError
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ValidationError("That page link is broken; start from the top of the list") from exc
    return key, pk


def _after(sort: Sort, key, pk: int) -> Q:
    """Rows after (key, pk) in the order (key NULLS LAST, pk), both in the sort's direction."""
    cmp = "lt" if sort.descending else "gt"
    if key is None:
        return Q(**{f"{sort.field}__isnull": True, f"pk__{cmp}": pk})
    return (
        Q(**{f"{sort.field}__{cmp}": key})
        | Q(**{sort.field: key, f"pk__{cmp}": pk})
        | Q(**{f"{sort.field}__isnull": True})
    )


def conversation_page(*, user, query: ListQuery, limit: int = 50) -> Page:
    """One page of the middle pane, keyset-paginated over (sort key, id): 1 query."""
    sort = SORTS[query.sort]
    rows = (
        Conversation.objects.filter(_filters(query, user))
        .annotate(my_read=FilteredRelation("reads", condition=Q(reads__user=user)))
        .annotate(read_at=F("my_read__last_read_at"))
        .select_related("customer", "assignee", "team")
    )
    if query.cursor:
        rows = rows.filter(_after(sort, *_cursor_decode(query.cursor, sort)))
    # NULLS LAST only where the column can be null, so the order matches the partial indexes.
    nulls_last = True if Conversation._meta.get_field(sort.field).null else None
    key = F(sort.field).desc(nulls_last=nulls_last) if sort.descending else F(sort.field).asc(nulls_last=nulls_last)
    rows = rows.order_by(key, "-pk" if sort.descending else "pk")
    conversations = list(rows[: limit + 1])
    next_cursor = _cursor_encode(conversations[limit - 1], sort) if len(conversations) > limit else ""
    conversations = conversations[:limit]
    for c in conversations:
        c.unread = c.last_message_at is not None and (c.read_at is None or c.last_message_at > c.read_at)
    return Page(conversations, next_cursor, query)


def conversation_for_page(pk: int) -> Conversation:
    return Conversation.objects.select_related("customer", "assignee", "team").get(pk=pk)


def conversation_timeline(conversation: Conversation) -> QuerySet[Message]:
    return (
        conversation.messages.select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )


def customer_panel(customer: Customer, *, user, exclude_conversation_id: int | None = None) -> dict:
    """The customer's contact points and their other conversations ``user`` may see."""
    return {
        "contact_points": list(customer.contact_points.order_by("kind", "address")),
        "past_conversations": list(
            customer.conversations.filter(conversations_visible_q(user))
            .exclude(pk=exclude_conversation_id)
            .order_by("-created_at")[:10]
        ),
    }


def assignable_agents():
    """People a conversation can be given to: active, and not an API integration's own user."""
    return AgentProfile.objects.filter(user__is_active=True, user__integration__isnull=True)


def agents_for_assignment() -> list[AgentProfile]:
    return list(assignable_agents().select_related("user").order_by("user__first_name"))


def notifications_for(user, limit: int = 20) -> dict:
    # Only about conversations the user may still see (a conversation can move to another team).
    mine = Notification.objects.filter(user=user).filter(conversations_visible_q(user, "conversation__"))
    recent = list(mine.select_related("conversation__customer").order_by("-created_at")[:limit])
    return {"notifications": recent, "unread": mine.filter(read_at__isnull=True).count()}


def agents_by_username(usernames: set[str]):
    return get_user_model().objects.filter(username__in=usernames, agent__isnull=False)


# ----- search ---------------------------------------------------------------------------

# Private-use characters mark the hits; the snippet is escaped, then they become <mark>.
_START, _STOP = "\ue000", "\ue001"


def _highlight(snippet: str) -> SafeString:
    return mark_safe(escape(snippet).replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S308 - escaped


@dataclass
class SearchFilters:
    q: str = ""
    channel: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None


# Relevance is ranked among the newest matches only: ranking every hit of a common word over a
# million messages costs hundreds of milliseconds, and in a support inbox recent wins ties.
SEARCH_WINDOW = 1000
# Newest matches are gathered a period at a time, so a word common in the last month never makes
# Postgres visit its hits of the whole history (the planner misjudges multi-word queries).
SEARCH_PERIODS = (timedelta(days=30), timedelta(days=180), None)


def _newest_matches(messages: QuerySet[Message], n: int) -> list[int]:
    ids: list[int] = []
    now, until = timezone.now(), None
    for period in SEARCH_PERIODS:
        part = messages if until is None else messages.filter(created_at__lt=until)
        if period is not None:
            part = part.filter(created_at__gte=now - period)
        ids += part.order_by("-created_at", "-pk").values_list("pk", flat=True)[: n - len(ids)]
        if len(ids) >= n or period is None:
            break
        until = now - period
    return ids


def search(filters: SearchFilters, *, user, limit: int = 50) -> dict:
    """Full-text hits over the messages ``user`` may see, best first among the newest SEARCH_WINDOW,
    and matching customers. ``truncated`` says older matches exist beyond the window.

    Customers are one shared record; their "latest conversation" link is the latest visible one.
    """
    text = filters.q.strip()
    if not text:
        return {"messages": [], "customers": [], "truncated": False}
    query = SearchQuery(text, config="simple", search_type="websearch")
    messages = (
        Message.objects.filter(search_vector=query)
        .filter(conversations_visible_q(user, "conversation__"))
        .exclude(direction="event")
    )
    if filters.channel in Channel.values:
        messages = messages.filter(channel=filters.channel)
    if filters.status in Conversation.Status.values:
        messages = messages.filter(conversation__status=filters.status)
    if filters.date_from:
        messages = messages.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        messages = messages.filter(created_at__date__lte=filters.date_to)
    newest = _newest_matches(messages, SEARCH_WINDOW + 1)
    best = (
        Message.objects.filter(pk__in=newest[:SEARCH_WINDOW])
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "-created_at", "-pk")
        .values("pk")[:limit]
    )
    hits = list(
        Message.objects.filter(pk__in=best)  # joins and snippets for the page only
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            snippet=SearchHeadline(
                "text", query, config="simple", start_sel=_START, stop_sel=_STOP, max_words=30, min_words=10
            ),
        )
        .select_related("conversation__customer")
        .order_by("-rank", "-created_at", "-pk")[:limit]
    )
    for hit in hits:
        hit.highlighted = _highlight(hit.snippet)

    customers = []
    if not (filters.channel or filters.status or filters.date_from or filters.date_to):
        by_address = ContactPoint.objects.filter(address__startswith=text.lower().removeprefix("whatsapp:"))
        latest = (
            conversations_visible(user).filter(customer=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1]
        )
        # A UNION of two index-backed lookups (name GIN, address prefix); an OR of them scans customers.
        by_name = Customer.objects.annotate(document=SearchVector("name", config="simple")).filter(document=query)
        customers = list(
            Customer.objects.filter(pk__in=by_name.values("pk").union(by_address.values("customer_id")))
            .annotate(latest_conversation_id=Subquery(latest))
            .order_by("name", "pk")[:20]
        )
    return {"messages": hits, "customers": customers, "truncated": len(newest) > SEARCH_WINDOW}
