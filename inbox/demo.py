"""Demo data for `make run`: a small online store's support team and its customers.

Everything goes through the services, so the demo exercises the same paths as real traffic;
timestamps are then moved into the past so waiting times and history look lived-in.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agents.models import Article
from inbox.models import AgentProfile, CannedReply, Channel, Conversation, Message, Team
from inbox.services import (
    conversation_assign,
    conversation_set_status,
    message_append_outbound,
    message_receive,
    note_add,
)

User = get_user_model()

ADMIN = ("admin", "Avery Admin", "inbox-admin")
AGENTS = [
    ("ana", "Ana Souza", "Support"),
    ("ben", "Ben Okafor", "Support"),
    ("chloe", "Chloe Martin", "Billing"),
    ("dev", "Dev Patel", "Billing"),
]
AGENT_PASSWORD = "inbox-agent"  # noqa: S105 - printed demo login
DEMO_LEAD = "chloe"  # a team lead (Billing)

FIRST = ["Maya", "Liam", "Sofia", "Noah", "Emma", "Lucas", "Olivia", "Mateo", "Amara", "Kenji",
         "Priya", "Jonas", "Fatima", "Diego", "Hannah", "Yusuf", "Chen", "Isla", "Tomas", "Zara"]  # fmt: skip
LAST = ["Lopez", "Nguyen", "Schmidt", "Rossi", "Kowalski", "Haddad", "Silva", "Tanaka", "Brown", "Dubois",
        "Ivanova", "Mensah", "Larsen", "Costa", "Novak", "Ali", "Wang", "Murphy", "Garcia", "Khan"]  # fmt: skip

TOPICS = [
    ("Where is my order #{n}? It was due yesterday.", "Order #{n} left our warehouse and is with the courier; "
     "tracking shows delivery tomorrow before noon."),
    ("I'd like to return the hiking boots from order #{n}, they're too small.", "No problem: you have 30 days "
     "to return unworn items. I've emailed you a prepaid return label."),
    ("I was charged twice for order #{n}!", "I'm sorry about that. I can see the duplicate authorisation; it "
     "drops off within 3-5 business days. I've flagged it with Billing."),
    ("Do you ship to Canada?", "Yes! We ship to Canada in 5-8 business days; duties are included at checkout."),
    ("Can I change the delivery address for order #{n}?", "Done, the courier has the new address."),
    ("My discount code SPRING20 doesn't work", "That code expired on Sunday, but I've applied 20% to your "
     "cart as a one-off."),
    ("Is the Trail Pro jacket waterproof or just water resistant?", "It's fully waterproof (20k mm) with "
     "taped seams, good for heavy rain."),
    ("How do I reset my account password?", "Use 'Forgot password' on the login page; the link is valid for "
     "an hour."),
    ("The zipper on my backpack broke after two weeks.", "That's covered by our 2-year warranty. Could you "
     "send a photo of the zipper?"),
    ("I want to cancel my subscription box.", "I've cancelled it; you won't be charged again."),
]  # fmt: skip

ARTICLES = [
    ("Shipping times and destinations", "We ship to the US, Canada, the UK and the EU.\n\n"
     "- US: 2-4 business days\n- Canada: 5-8 business days, duties included\n"
     "- UK and EU: 4-7 business days\n\nOrders placed before 2 pm ship the same day."),
    ("Returns and exchanges", "Unworn items can be returned within **30 days** of delivery. "
     "Ask support for a prepaid return label; refunds reach the original payment method within "
     "5 business days of the return arriving."),
    ("Warranty", "Bags, boots and jackets carry a **2-year warranty** against manufacturing defects "
     "(zippers, seams, soles). Send a photo of the defect and the order number."),
    ("Duplicate charges", "A second charge is usually a card authorisation that drops off within "
     "3-5 business days. If it is still there after 5 days, Billing refunds it."),
    ("Changing or cancelling an order", "Orders can be changed or cancelled until they ship "
     "(usually within 2 hours). After that, use a return."),
]  # fmt: skip


CANNED_REPLIES = [
    ("Greeting", "Hi {{customer.first_name}}, thanks for reaching out! {{agent.name}} here, happy to help."),
    ("Looking into it", "Thanks {{customer.first_name}}, I'm checking this with our team and will get back to you "
     "within the hour."),
    ("Closing", "Glad that's sorted, {{customer.first_name}}! Reply here any time. - {{agent.name}}"),
]  # fmt: skip


def demo_exists() -> bool:
    return User.objects.filter(username=ADMIN[0]).exists()


@transaction.atomic
def demo_load(*, seed: int = 7, customers: int = 20, conversations: int = 60) -> dict[str, int]:
    rng = random.Random(seed)
    now = timezone.now()

    admin = User.objects.create_superuser(ADMIN[0], "admin@example.com", ADMIN[2], first_name="Avery")
    AgentProfile.objects.create(user=admin, role=AgentProfile.Role.ADMIN, presence=AgentProfile.Presence.ONLINE)
    teams = {name: Team.objects.create(name=name) for name in ("Support", "Billing")}
    agents = []
    agent_team: dict[int, Team] = {}
    for username, full, team in AGENTS:
        first, last = full.split()
        user = User.objects.create_user(username, f"{username}@example.com", AGENT_PASSWORD, first_name=first,
                                        last_name=last)  # fmt: skip
        profile = AgentProfile.objects.create(user=user, presence=rng.choice(["online", "online", "away"]))
        profile.teams.add(teams[team])
        agents.append(user)
        agent_team[user.pk] = teams[team]
    # Chloe leads Billing: /team/ shows her the team queue (roles, inbox/access.py).
    AgentProfile.objects.filter(user__username=DEMO_LEAD).update(role=AgentProfile.Role.LEAD)

    for title, body in ARTICLES:
        Article.objects.create(title=title, body=body)
    for title, body in CANNED_REPLIES:
        CannedReply.objects.create(title=title, body=body)

    people = []
    for i in range(customers):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        phone = f"+1415555{1000 + i:04d}"
        email = f"{name.split()[0].lower()}.{name.split()[1].lower()}@example.com"
        # Everyone has a home channel; some also use a second one, on the same record.
        home = [Channel.WHATSAPP, Channel.SMS, Channel.EMAIL, Channel.CHAT][i % 4]
        extra = [Channel.EMAIL, Channel.WHATSAPP, Channel.SMS, Channel.EMAIL][i % 4] if i % 3 == 0 else None
        people.append({"name": name, "phone": phone, "email": email, "chat": f"visitor-demo-{i}",
                       "channels": [home] + ([extra] if extra else [])})  # fmt: skip

    address_of = {Channel.WHATSAPP: "phone", Channel.SMS: "phone", Channel.EMAIL: "email", Channel.CHAT: "chat"}
    for n in range(conversations):
        person = people[n % customers]
        question, answer = TOPICS[rng.randrange(len(TOPICS))]
        order = 10400 + n
        started = now - timedelta(minutes=rng.randint(5, 60 * 24 * 20))
        channel = rng.choice(person["channels"])
        timeline = []
        received = message_receive(
            channel=channel,
            address=person[address_of[channel]],
            name=person["name"],
            text=question.format(n=order),
            subject=question.format(n=order)[:60] if channel == Channel.EMAIL else "",
            external_id=f"demo-{n}-in",
        )
        conversation = received.message.conversation
        timeline.append((received.message, started))
        fate = rng.random()
        if fate < 0.25:  # still waiting for a first answer
            pass
        else:
            agent = rng.choice(agents)
            # In the agent's team, so team queues (/team/) and team KPIs show the demo's work.
            conversation_assign(conversation=conversation, owner=Conversation.Owner.HUMAN, assignee=agent,
                                team=agent_team[agent.pk], actor=admin, reason="by the demo loader")  # fmt: skip
            reply = message_append_outbound(conversation=conversation, channel=channel,
                                            text=answer.format(n=order), author=agent)  # fmt: skip
            reply.delivery_status = rng.choice([Message.Delivery.DELIVERED, Message.Delivery.READ])
            reply.save(update_fields=["delivery_status"])
            timeline.append((reply, started + timedelta(minutes=rng.randint(1, 90))))
            if rng.random() < 0.3:
                follow_channel = rng.choice(person["channels"])
                follow = message_receive(channel=follow_channel, address=person[address_of[follow_channel]],
                                         text="Thanks! One more thing: can I also get an invoice?",
                                         conversation_id=conversation.pk, external_id=f"demo-{n}-in2")  # fmt: skip
                timeline.append((follow.message, started + timedelta(hours=3)))
                note_add(conversation=conversation, author=agent, text="Invoice requested; Billing can send it.")
            elif fate < 0.7:
                conversation_set_status(conversation=conversation, status=Conversation.Status.RESOLVED, actor=agent)
        _backdate(conversation, timeline, now)
    demo_routing_load(teams=teams, admin=admin)
    return {"customers": customers, "conversations": conversations, "agents": len(agents)}


def _backdate(conversation: Conversation, timeline: list[tuple[Message, object]], now) -> None:
    """Move a conversation built 'now' to when it happened, keeping its facts consistent."""
    for message, at in timeline:
        Message.objects.filter(pk=message.pk).update(created_at=min(at, now))
    start = timeline[0][1]
    last = min(timeline[-1][1], now)
    conversation.refresh_from_db()
    Message.objects.filter(conversation=conversation, direction__in=["note", "event"]).update(created_at=last)
    updates = {"created_at": start, "last_message_at": last}
    last_inbound = max((at for m, at in timeline if m.direction == Message.Direction.INBOUND), default=None)
    if last_inbound:
        updates["last_inbound_at"] = min(last_inbound, now)
        if conversation.whatsapp_last_inbound_at:
            updates["whatsapp_last_inbound_at"] = min(last_inbound, now)
    if conversation.waiting_since:
        updates["waiting_since"] = min(last_inbound or start, now)
    if conversation.first_response_at and len(timeline) > 1:
        updates["first_response_at"] = min(timeline[1][1], now)
    if conversation.resolved_at:
        updates["resolved_at"] = last
    Conversation.objects.filter(pk=conversation.pk).update(**updates)


def demo_routing_load(*, teams: dict[str, Team], admin) -> None:
    """Hours for both teams, two SLA policies, a few VIPs and rules that use all of it."""
    from datetime import date

    from inbox.hours import business_hours_set
    from inbox.models import Customer
    from inbox.models_routing import SlaPolicy
    from inbox.rules.admin import rule_create, rule_default_ensure, rule_update

    weekdays = {str(d): [["08:00", "20:00"]] for d in range(5)}
    business_hours_set(
        team=teams["Support"],
        timezone="America/New_York",
        weekly={**weekdays, "5": [["10:00", "16:00"]]},
        holidays=[date(2026, 12, 25), date(2027, 1, 1)],
    )
    business_hours_set(
        team=teams["Billing"],
        timezone="Europe/Berlin",
        weekly={str(d): [["09:00", "17:00"]] for d in range(5)},
        holidays=[date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)],
    )
    standard = SlaPolicy.objects.create(
        name="Standard",
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=24 * 60,
        business_hours_only=True,
    )
    vip = SlaPolicy.objects.create(
        name="VIP",
        first_response_minutes=15,
        next_response_minutes=30,
        warn_before_minutes=5,
        breach_action=SlaPolicy.BreachAction.RAISE_PRIORITY,
    )
    for customer in Customer.objects.order_by("pk")[:3]:
        customer.tags = [*customer.tags, "vip"]
        customer.attributes = {**customer.attributes, "plan": "enterprise"}
        customer.save(update_fields=["tags", "attributes", "updated_at"])

    support, billing = teams["Support"].pk, teams["Billing"].pk
    rules = [
        (
            "VIP customers",
            "any",
            [
                {"field": "customer_tag", "value": ["vip"]},
                {"field": "customer_attribute", "key": "plan", "value": "enterprise"},
            ],
            {"owner": "team", "team_id": support, "priority": 2, "sla_policy_id": vip.pk, "tags": ["vip"]},
        ),
        (
            "Upset customers go to a person",
            "all",
            [{"field": "sentiment", "value": ["negative"], "min_confidence": 0.7}],
            {"owner": "team", "team_id": support, "priority": 2, "tags": ["upset"], "stop": False},
        ),
        (
            "Billing questions",
            "any",
            [
                {"field": "intent", "value": ["billing", "refund"], "min_confidence": 0.75},
                {"field": "text_contains", "value": ["charged", "refund", "invoice"]},
            ],
            {"owner": "team", "team_id": billing, "sla_policy_id": standard.pk, "tags": ["billing"]},
        ),
        (
            "Order status questions",
            "any",
            [
                {"field": "intent", "value": ["order_status"], "min_confidence": 0.8},
                {"field": "text_matches", "value": r"where('s| is) my (order|parcel|package)"},
            ],
            {"owner": "ai", "procedure": "order-status"},
        ),
        (
            "Night-time chat to the AI",
            "all",
            [
                {"field": "channel", "value": ["chat"]},
                {"field": "business_hours", "value": "closed", "team_id": support},
            ],
            {"owner": "ai", "auto_reply": "Hi! Our team is offline; our AI assistant will help you now."},
        ),
    ]
    for name, match, conditions, actions in rules:
        rule_create(actor=admin, name=name, match=match, conditions=conditions, actions={"stop": True, **actions})
    default = rule_default_ensure()
    rule_update(
        rule=default,
        actor=admin,
        name=default.name,
        match="all",
        conditions=[],
        actions={"owner": "team", "team_id": support, "after_hours": "queue", "sla_policy_id": standard.pk},
    )
