"""Bulk test data for benchmarks and manual checks: N conversations with ~M messages each.

    python manage.py inbox_generate --conversations 100000 --messages 10

Rows go in through PostgreSQL COPY (one INSERT at a time would take hours). Columns the
generator does not set get each model field's default, so fields added later still load.
"""

import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from inbox.demo import FIRST, LAST, TOPICS
from inbox.models import AgentProfile, Channel, ContactKind, ContactPoint, Conversation, Customer, Message, Team
from inbox.progress import Progress

WORDS = [
    "order",
    "refund",
    "invoice",
    "delivery",
    "courier",
    "parcel",
    "address",
    "password",
    "account",
    "subscription",
    "warranty",
    "zipper",
    "jacket",
    "boots",
    "backpack",
    "discount",
    "code",
    "payment",
    "card",
    "charge",
    "duplicate",
    "tracking",
    "return",
    "label",
    "exchange",
    "size",
    "colour",
    "battery",
    "charger",
    "screen",
    "broken",
    "damaged",
    "missing",
    "late",
    "early",
    "thanks",
    "please",
    "help",
    "urgent",
    "question",
]
CHANNEL_KIND = {Channel.CHAT: ContactKind.CHAT, Channel.WHATSAPP: ContactKind.WHATSAPP,
                Channel.SMS: ContactKind.PHONE, Channel.EMAIL: ContactKind.EMAIL}  # fmt: skip


def _copy(model: type[models.Model], rows: list[dict]) -> None:
    """COPY ``rows`` (field name -> Python value) into the model's table, defaults for the rest."""
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    now = timezone.now()
    defaults = {}
    for f in fields:
        auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        defaults[f.attname] = now if auto else f.get_default()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
        # Only JSON needs Django's adapter (the empty object, prepared once); psycopg dumps
        # str, int, datetime and lists itself.
        empty_json = Jsonb({})

        def json_prep(field):
            return lambda v: empty_json if v == {} else field.get_db_prep_save(v, connection)

        prep = [
            (f.attname, defaults[f.attname], json_prep(f) if isinstance(f, models.JSONField) else None) for f in fields
        ]
        for row in rows:
            copy.write_row([conv(row.get(name, d)) if conv else row.get(name, d) for name, d, conv in prep])


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


def _reset_sequence(model: type[models.Model]) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # Table names come from our own models, not from input.
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608


class Command(BaseCommand):
    help = "Generate many conversations and messages quickly (COPY) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--conversations", type=int, default=100_000)
        parser.add_argument("--messages", type=int, default=10, help="Average messages per conversation")
        parser.add_argument("--batch", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, conversations: int, messages: int, batch: int, seed: int, **options):
        rng = random.Random(seed)
        agents = list(AgentProfile.objects.values_list("user_id", flat=True))
        teams = list(Team.objects.values_list("pk", flat=True))
        started = time.monotonic()
        progress = Progress("conversations", conversations)
        total_messages = 0
        for offset in range(0, conversations, batch):
            n = min(batch, conversations - offset)
            with transaction.atomic():
                total_messages += self._batch(rng, n, agents, teams, messages)
            progress.advance(n)
        for model in (Customer, ContactPoint, Conversation, Message):
            _reset_sequence(model)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE inbox_customer, inbox_contactpoint, inbox_conversation, inbox_message")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Created {conversations:,} conversations and {total_messages:,} messages in {elapsed:.1f}s"
        ))  # fmt: skip

    def _batch(self, rng: random.Random, n: int, agents: list[int], teams: list[int], per: int) -> int:
        now = timezone.now()
        customer_id, point_id = _next_id(Customer), _next_id(ContactPoint)
        conversation_id, message_id = _next_id(Conversation), _next_id(Message)
        customers, points, conversations, messages = [], [], [], []
        for i in range(n):
            cid = customer_id + i
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            created = now - timedelta(minutes=rng.randint(10, 60 * 24 * 400))
            customers.append({"id": cid, "name": name, "attributes": {}, "tags": [], "created_at": created,
                              "updated_at": created})  # fmt: skip
            channel = rng.choice(Channel.values)
            kind = CHANNEL_KIND[channel]
            address = (
                f"gen{cid}@example.net" if kind == ContactKind.EMAIL
                else f"gen-visitor-{cid}" if kind == ContactKind.CHAT
                else f"+1999{cid:07d}"
            )  # fmt: skip
            points.append({"id": point_id + i, "customer_id": cid, "kind": kind, "address": address,
                           "created_at": created})  # fmt: skip

            status = rng.choices(Conversation.Status.values, weights=[30, 5, 5, 60])[0]
            owner = rng.choices(Conversation.Owner.values, weights=[3, 2, 5])[0]
            assignee = rng.choice(agents) if owner == Conversation.Owner.HUMAN and agents else None
            if owner == Conversation.Owner.HUMAN and assignee is None:
                owner = Conversation.Owner.UNASSIGNED
            count = max(1, int(rng.gauss(per, per / 3)))
            at = created
            last_inbound = None
            convo_id = conversation_id + i
            text = ""
            for m in range(count):
                at = at + timedelta(minutes=rng.randint(1, 600))
                inbound = m % 2 == 0
                topic = rng.choice(TOPICS)
                text = (topic[0] if inbound else topic[1]).format(n=rng.randint(10000, 99999))
                text += " " + " ".join(rng.sample(WORDS, 3))
                messages.append({
                    "id": message_id + len(messages), "conversation_id": convo_id, "channel": channel,
                    "direction": Message.Direction.INBOUND if inbound else Message.Direction.OUTBOUND,
                    "author_kind": Message.Author.CUSTOMER if inbound else Message.Author.AGENT,
                    "author_id": None if inbound else assignee, "text": text, "metadata": {}, "classification": {},
                    "delivery_status": "" if inbound else Message.Delivery.DELIVERED, "created_at": at,
                })  # fmt: skip
                if inbound:
                    last_inbound = at
            waiting = last_inbound if count % 2 == 1 and status in ("open", "pending") else None
            conversations.append({
                "id": convo_id, "customer_id": cid, "status": status, "owner": owner, "assignee_id": assignee,
                "team_id": rng.choice(teams) if teams and rng.random() < 0.5 else None,
                "priority": rng.choices([0, 1, 2, 3], weights=[10, 70, 15, 5])[0], "tags": [], "channels": [channel],
                "last_message_at": at, "last_message_preview": text[:200], "last_inbound_at": last_inbound,
                "last_inbound_channel": channel,
                "whatsapp_last_inbound_at": last_inbound if channel == Channel.WHATSAPP else None,
                "waiting_since": waiting, "first_response_at": created + timedelta(minutes=5) if count > 1 else None,
                "resolved_at": at if status == "resolved" else None,
                "snoozed_until": now + timedelta(days=1) if status == "snoozed" else None,
                "created_at": created, "updated_at": at, "subject": "",
            })  # fmt: skip
        _copy(Customer, customers)
        _copy(ContactPoint, points)
        _copy(Conversation, conversations)
        _copy(Message, messages)
        return len(messages)
