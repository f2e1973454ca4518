import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.management import call_command

from inbox.models import Conversation, Message
from inbox.selectors import ListQuery, conversation_page
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def test_the_generator_bulk_loads_consistent_conversations(capsys):
    agent = AgentFactory()
    call_command("inbox_generate", conversations=120, messages=4, batch=50)
    assert Conversation.objects.count() == 120
    assert Message.objects.count() >= 120
    assert "Created 120 conversations" in capsys.readouterr().out
    human = Conversation.objects.filter(owner="human")
    assert not human.filter(assignee__isnull=True).exists()
    # Sequences were moved past the copied ids: normal inserts still work.
    conversation = Conversation.objects.create(customer=Conversation.objects.first().customer)
    assert conversation.pk > 120
    message = Message.objects.filter(text__contains=" ").first()
    assert Message.objects.filter(search_vector=SearchQuery(message.text.split()[-1], config="simple")).exists()
    assert conversation_page(user=agent.user, query=ListQuery(view="resolved"), limit=10).next_cursor
