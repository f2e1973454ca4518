"""Reads for the inbox pages: each a constant number of queries whatever the volume."""

from django.db.models import Count, Prefetch, Q, QuerySet

from inbox.models import Attachment, Conversation, Message

VIEWS = {
    "open": ("All open", Q(status__in=[Conversation.Status.OPEN, Conversation.Status.PENDING])),
    "unassigned": ("Unassigned", Q(status=Conversation.Status.OPEN, owner=Conversation.Owner.UNASSIGNED)),
    "ai": ("Handled by AI", Q(status=Conversation.Status.OPEN, owner=Conversation.Owner.AI)),
    "snoozed": ("Snoozed", Q(status=Conversation.Status.SNOOZED)),
    "resolved": ("Resolved", Q(status=Conversation.Status.RESOLVED)),
}


def view_filter(view: str, user) -> Q:
    if view == "mine":
        return Q(assignee=user, status__in=[Conversation.Status.OPEN, Conversation.Status.PENDING])
    return VIEWS.get(view, VIEWS["open"])[1]


def view_counts(user) -> dict[str, int]:
    aggregates = {name: Count("pk", filter=q) for name, (_, q) in VIEWS.items()}
    aggregates["mine"] = Count("pk", filter=view_filter("mine", user))
    return Conversation.objects.aggregate(**aggregates)


def conversation_list(*, view: str, user, limit: int = 50) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(view_filter(view, user))
        .select_related("customer", "assignee", "team")
        .order_by("-last_message_at", "-pk")[:limit]
    )


def conversation_timeline(conversation: Conversation) -> QuerySet[Message]:
    return (
        conversation.messages.select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )
