from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox.models import AgentProfile
from inbox.periodic import agents_presence_sweep_task, conversations_wake_due_task
from inbox.services.agents import agent_presence_set, canned_reply_render, saved_filter_create
from tests.factories import AgentFactory, CannedReplyFactory, ConversationFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_quiet_agents_go_away_then_offline():
    now = timezone.now()
    fresh = AgentFactory(presence="online", last_seen_at=now)
    quiet = AgentFactory(presence="online", last_seen_at=now - timedelta(minutes=7))
    gone = AgentFactory(presence="away", last_seen_at=now - timedelta(hours=1))
    assert agents_presence_sweep_task() == 2
    presence = dict(AgentProfile.objects.values_list("pk", "presence"))
    assert (presence[fresh.pk], presence[quiet.pk], presence[gone.pk]) == ("online", "away", "offline")
    assert agents_presence_sweep_task() == 0


def test_presence_is_one_of_three(agent):
    with pytest.raises(ValidationError):
        agent_presence_set(user=agent.user, presence="busy")


def test_the_wake_task_runs_the_service():
    ConversationFactory(status="snoozed", snoozed_until=timezone.now() - timedelta(minutes=1))
    assert conversations_wake_due_task() == 1


def test_canned_replies_fill_customer_and_agent(agent):
    conversation = ConversationFactory(customer=CustomerFactory(name="Maya Lopez"))
    reply = CannedReplyFactory(body="Hi {{ customer.first_name }} / {{customer.name}} - {{agent.name}}")
    assert canned_reply_render(reply=reply, conversation=conversation, agent=agent.user) == (
        "Hi Maya / Maya Lopez - Ana")  # fmt: skip


def test_saved_filters_keep_only_known_keys(agent):
    saved = saved_filter_create(user=agent.user, name="VIP", params={"tag": "vip", "evil": "x", "channel": ""})
    assert saved.params == {"tag": "vip"}
    with pytest.raises(ValidationError):
        saved_filter_create(user=agent.user, name="VIP", params={"tag": "other"})
