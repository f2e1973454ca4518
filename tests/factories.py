import factory
from django.contrib.auth import get_user_model

from inbox.models import AgentProfile, Channel, ContactKind, ContactPoint, Conversation, Customer, Message, Team


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    password = factory.django.Password("pw")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class AgentFactory(factory.django.DjangoModelFactory):
    """An AgentProfile; use ``.user`` for the logged-in person."""

    class Meta:
        model = AgentProfile

    user = factory.SubFactory(UserFactory)
    presence = AgentProfile.Presence.ONLINE


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Faker("name")


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    customer = factory.SubFactory(CustomerFactory)
    kind = ContactKind.EMAIL
    address = factory.Sequence(lambda n: f"customer{n}@example.com")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    customer = factory.SubFactory(CustomerFactory)
    last_message_preview = "Hello"
    channels = factory.LazyFunction(lambda: [Channel.EMAIL])


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    channel = Channel.EMAIL
    direction = Message.Direction.INBOUND
    author_kind = Message.Author.CUSTOMER
    text = factory.Faker("sentence")


class WhatsAppTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "channels_app.WhatsAppTemplate"

    name = factory.Sequence(lambda n: f"order_update_{n}")
    content_sid = factory.Sequence(lambda n: f"HX{n:032d}")
    variables = factory.LazyFunction(lambda: ["1", "2"])
    body_preview = "Hi {{1}}, your order {{2}} has an update. Reply to continue."


def phone_conversation(*, number: str = "+15551234567", channel: str = Channel.WHATSAPP, inbound_at=None):
    """A conversation with a customer reachable on WhatsApp (or SMS) at ``number``."""
    kind = ContactKind.WHATSAPP if channel == Channel.WHATSAPP else ContactKind.PHONE
    point = ContactPointFactory(kind=kind, address=number)
    conversation = ConversationFactory(customer=point.customer, channels=[channel])
    if channel == Channel.WHATSAPP and inbound_at is not None:
        conversation.whatsapp_last_inbound_at = inbound_at
        conversation.save(update_fields=["whatsapp_last_inbound_at"])
    return conversation


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    """A saved rule; pass ``conditions`` and ``actions`` in the documented JSON shape."""

    class Meta:
        model = "inbox.RoutingRule"

    name = factory.Sequence(lambda n: f"Rule {n}")
    position = factory.Sequence(lambda n: n + 1)
    conditions = factory.LazyFunction(lambda: [{"field": "channel", "value": ["email"]}])
    actions = factory.LazyFunction(lambda: {"owner": "ai", "stop": True})


class SlaPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inbox.SlaPolicy"

    name = factory.Sequence(lambda n: f"SLA {n}")
    first_response_minutes = 30
    next_response_minutes = 60
    resolution_minutes = 480
    warn_before_minutes = 10


# ----- AI (agents/) ----------------------------------------------------------------------
from agents.models import Article  # noqa: E402


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")
    body = factory.Faker("paragraph")
    published = True


class CannedReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inbox.CannedReply"

    title = factory.Sequence(lambda n: f"Canned {n}")
    body = "Hi {{customer.name}}, {{agent.name}} here."


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inbox.Attachment"

    message = factory.SubFactory(MessageFactory)
    filename = "photo.png"
    content_type = "image/png"
    file = factory.django.FileField(filename="photo.png", data=b"\x89PNG\r\n\x1a\nfake")
