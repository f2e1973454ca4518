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
