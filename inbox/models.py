"""The domain: one customer record across channels, their conversations and messages."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q


class Channel(models.TextChoices):
    CHAT = "chat", "Live chat"
    WHATSAPP = "whatsapp", "WhatsApp"
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class ContactKind(models.TextChoices):
    PHONE = "phone", "Phone"
    WHATSAPP = "whatsapp", "WhatsApp"
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat visitor"


CHANNEL_CONTACT_KIND = {
    Channel.CHAT: ContactKind.CHAT,
    Channel.WHATSAPP: ContactKind.WHATSAPP,
    Channel.SMS: ContactKind.PHONE,
    Channel.EMAIL: ContactKind.EMAIL,
}


class Team(models.Model):
    class Policy(models.TextChoices):
        ROUND_ROBIN = "round_robin", "Round robin"
        LEAST_LOADED = "least_loaded", "Least loaded"

    name = models.CharField(max_length=100, unique=True)
    assignment_policy = models.CharField(max_length=20, choices=Policy, default=Policy.LEAST_LOADED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    class Role(models.TextChoices):
        AGENT = "agent", "Agent"
        LEAD = "lead", "Team lead"
        ADMIN = "admin", "Admin"

    class Presence(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"
        OFFLINE = "offline", "Offline"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    role = models.CharField(max_length=10, choices=Role, default=Role.AGENT)
    teams = models.ManyToManyField(Team, related_name="agents", blank=True)
    capacity = models.PositiveIntegerField(default=8, help_text="Most open conversations at once")
    presence = models.CharField(max_length=10, choices=Presence, default=Presence.OFFLINE)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN or self.user.is_superuser


class Customer(models.Model):
    name = models.CharField(max_length=200, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [GinIndex(SearchVector("name", config="simple"), name="customer_name_search")]

    def __str__(self) -> str:
        return self.name or f"Customer #{self.pk}"


class ContactPoint(models.Model):
    """A way to reach a customer; ``address`` is normalised (E.164, lower-cased email...)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=10, choices=ContactKind)
    address = models.CharField(max_length=320)
    verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "address"], name="contact_point_unique_address")]
        indexes = [
            models.Index(fields=["address"]),
            models.Index(fields=["address"], name="contact_point_address_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.address}"


ACTIVE_VIEW = Q(status__in=["open", "pending"])  # what the inbox's "open" views show


class Conversation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        SNOOZED = "snoozed", "Snoozed"
        RESOLVED = "resolved", "Resolved"

    class Owner(models.TextChoices):
        UNASSIGNED = "unassigned", "Unassigned"
        AI = "ai", "AI agent"
        HUMAN = "human", "Human agent"

    class Priority(models.IntegerChoices):
        LOW = 0, "Low"
        NORMAL = 1, "Normal"
        HIGH = 2, "High"
        URGENT = 3, "Urgent"

    ACTIVE_STATUSES = (Status.OPEN, Status.PENDING, Status.SNOOZED)

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="conversations")
    subject = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    owner = models.CharField(max_length=10, choices=Owner, default=Owner.UNASSIGNED)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations")
    priority = models.PositiveSmallIntegerField(choices=Priority, default=Priority.NORMAL)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)

    # Denormalised so the inbox list renders in a constant number of queries.
    channels = ArrayField(models.CharField(max_length=10, choices=Channel), default=list, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_message_preview = models.CharField(max_length=200, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    last_inbound_channel = models.CharField(max_length=10, choices=Channel, blank=True)
    whatsapp_last_inbound_at = models.DateTimeField(null=True, blank=True)

    waiting_since = models.DateTimeField(null=True, blank=True, help_text="Customer waiting for an answer since")
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    # Set by agents/ when the AI agent resolved it alone (for the automated-resolution KPI).
    ai_resolution = models.CharField(
        max_length=20, blank=True, choices=[("confirmed", "Customer confirmed"), ("no_reply", "No reply after answer")]
    )
    ai_resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Hybrid routing (inbox/rules, inbox/sla.py): the AI's procedure and the SLA timers.
    ai_procedure = models.CharField(max_length=100, blank=True, help_text="Procedure slug the AI agent follows")
    sla_policy = models.ForeignKey(
        "inbox.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    sla_events = models.JSONField(default=list, blank=True, help_text="SLA warnings/breaches already acted on")

    class Meta:
        ordering = ["-last_message_at"]
        indexes = [
            models.Index(fields=["status", "waiting_since"]),
            models.Index(fields=["status", "-last_message_at"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["team", "status"]),
            models.Index(fields=["customer", "-created_at"]),
            # Keyset pages of the active views, one per sort (see inbox/selectors.py SORTS).
            models.Index(
                F("waiting_since").asc(nulls_last=True), "id", name="conv_active_waiting", condition=ACTIVE_VIEW
            ),
            models.Index(
                F("last_message_at").desc(nulls_last=True),
                F("id").desc(),
                name="conv_active_newest",
                condition=ACTIVE_VIEW,
            ),
            models.Index(F("priority").desc(), F("id").desc(), name="conv_active_priority", condition=ACTIVE_VIEW),
            models.Index(
                "status", F("last_message_at").desc(nulls_last=True), F("id").desc(), name="conv_status_newest"
            ),
            # Sidebar counts of the active views, read without touching the table (inbox/selectors.py sidebar).
            models.Index(
                fields=["owner", "team", "channels", "assignee"], name="conv_active_counts", condition=ACTIVE_VIEW
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner="human", assignee__isnull=False) | ~Q(owner="human"),
                name="conversation_human_owner_has_assignee",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject or self.customer}"


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"
        NOTE = "note", "Internal note"
        EVENT = "event", "System event"

    class Author(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        AGENT = "agent", "Agent"
        AI = "ai", "AI agent"
        SYSTEM = "system", "System"

    class Delivery(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        READ = "read", "Read"
        FAILED = "failed", "Failed"
        UNDELIVERED = "undelivered", "Undelivered"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=10, choices=Channel, blank=True, help_text="Blank for notes and events")
    direction = models.CharField(max_length=10, choices=Direction)
    author_kind = models.CharField(max_length=10, choices=Author)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)
    html = models.TextField(blank=True, help_text="Sanitised HTML, when the channel has it")
    external_id = models.CharField(max_length=255, blank=True, help_text="The provider's id, unique per channel")
    delivery_status = models.CharField(max_length=12, choices=Delivery, blank=True)
    error_code = models.CharField(max_length=30, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    classification = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Stored so ranking reads a ready vector instead of re-parsing every matching text.
    search_vector = models.GeneratedField(
        expression=SearchVector("text", config="simple"), output_field=SearchVectorField(), db_persist=True
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="message_unique_external_id_per_channel",
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"]),
            GinIndex(fields=["search_vector"], name="message_text_search"),
            # Customer messages the pipeline has not seen yet (inbox/pipeline_recovery.py): tiny.
            models.Index(
                fields=["created_at"], name="message_unprocessed", condition=Q(direction="inbound", classification={})
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} #{self.pk}"


class Attachment(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Downloading"
        STORED = "stored", "Stored"
        FAILED = "failed", "Failed"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    source_url = models.URLField(max_length=1000, blank=True)
    state = models.CharField(max_length=10, choices=State, default=State.STORED)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename or f"Attachment #{self.pk}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


# ----- the agent inbox: per-agent state, canned replies, notifications ----------------------


class ConversationRead(models.Model):
    """How far an agent has read a conversation; the list shows it unread when newer messages exist."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reads")
    last_read_message_id = models.BigIntegerField(null=True, blank=True)
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "conversation"], name="conversation_read_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.conversation_id} at {self.last_read_at}"


class SavedFilter(models.Model):
    """An agent's own named list filter (channel, team, status, priority, tag, owner)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(max_length=60)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique_name_per_user")]

    def __str__(self) -> str:
        return self.name


class CannedReply(models.Model):
    """A reusable answer; ``{{customer.name}}`` and ``{{agent.name}}`` are filled in when inserted."""

    title = models.CharField(max_length=100, unique=True)
    shortcut = models.SlugField(max_length=40, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "canned replies"

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    class Kind(models.TextChoices):
        MENTION = "mention", "Mentioned in a note"
        ASSIGNED = "assigned", "Conversation assigned"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text


from inbox.api.models import Integration, WebhookDelivery, WebhookEndpoint  # noqa: E402,F401 - integrations
from inbox.audit.models import AuditEntry  # noqa: E402,F401 - audit trail
from inbox.csat.models import CsatSurvey  # noqa: E402,F401 - satisfaction surveys
from inbox.metrics.models import ConversationFact, FactsCursor  # noqa: E402,F401 - KPI facts
from inbox.models_routing import BusinessHours, RoutingRule, RuleVersion, SlaPolicy  # noqa: E402,F401 - registers them
from inbox.qa.models import CompliancePhrase, QaCursor, QaFlag  # noqa: E402,F401 - QA monitoring
