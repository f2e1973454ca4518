"""Assignment within a team: policies, capacity, presence, returning customers, backlog, locking."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from inbox.assignment import agent_capacity_set, backlog_drain, conversation_route_to_team
from inbox.models import AgentProfile, Conversation, Message, Team
from inbox.services import conversation_assign, conversation_set_status
from inbox.services.agents import agent_presence_set
from tests.factories import AgentFactory, ConversationFactory, CustomerFactory, TeamFactory


def team_with(*capacities, policy=Team.Policy.ROUND_ROBIN, presence=AgentProfile.Presence.ONLINE):
    team = TeamFactory(assignment_policy=policy)
    agents = []
    for i, capacity in enumerate(capacities):
        agent = AgentFactory(user__username=f"agent{i}-{team.pk}", capacity=capacity, presence=presence)
        agent.teams.add(team)
        agents.append(agent)
    return team, agents


def route(team, conversation=None):
    return conversation_route_to_team(conversation=conversation or ConversationFactory(), team=team, reason="by test")


@pytest.mark.django_db
def test_round_robin_takes_turns():
    team, agents = team_with(10, 10, 10)
    owners = [route(team).assignee_id for _ in range(6)]
    ids = [a.user_id for a in agents]
    assert owners == ids + ids


@pytest.mark.django_db
def test_least_loaded_fills_the_emptiest_agent_first():
    team, (busy, free) = team_with(10, 10, policy=Team.Policy.LEAST_LOADED)
    for _ in range(2):
        conversation_assign(conversation=ConversationFactory(), owner="human", assignee=busy.user)
    owners = [route(team).assignee_id for _ in range(4)]
    assert owners[:2] == [free.user_id, free.user_id]
    assert sorted(owners[2:]) == sorted([busy.user_id, free.user_id])


@pytest.mark.django_db
def test_offline_and_full_agents_are_skipped_then_the_queue_holds_it():
    team, (full, away) = team_with(1, 5)
    AgentProfile.objects.filter(pk=away.pk).update(presence=AgentProfile.Presence.AWAY)
    assert route(team).assignee_id == full.user_id
    queued = route(team)
    assert queued.owner == Conversation.Owner.UNASSIGNED and queued.team == team
    event = queued.messages.filter(direction=Message.Direction.EVENT).latest("pk")
    assert "waiting in the queue" in event.text


@pytest.mark.django_db
def test_a_returning_customer_goes_back_to_their_previous_agent_if_online():
    team, (ana, ben) = team_with(10, 10, policy=Team.Policy.LEAST_LOADED)
    customer = CustomerFactory()
    old = ConversationFactory(customer=customer, last_message_at=timezone.now() - timedelta(days=3))
    conversation_assign(conversation=old, owner="human", assignee=ben.user)
    conversation_set_status(conversation=old, status=Conversation.Status.RESOLVED)
    conversation_assign(conversation=ConversationFactory(), owner="human", assignee=ben.user)  # ben is busier

    again = route(team, ConversationFactory(customer=customer))
    assert again.assignee_id == ben.user_id
    assert "returning customer, back to their previous agent" in again.messages.latest("pk").text

    AgentProfile.objects.filter(pk=ben.pk).update(presence=AgentProfile.Presence.OFFLINE)
    third = route(team, ConversationFactory(customer=customer))
    assert third.assignee_id == ana.user_id


@pytest.mark.django_db
def test_backlog_drains_longest_waiting_first_when_an_agent_comes_online(django_capture_on_commit_callbacks):
    team, (ana,) = team_with(2, presence=AgentProfile.Presence.OFFLINE)
    now = timezone.now()
    waits = {}
    for minutes in (5, 30, 10):
        queued = route(team, ConversationFactory(waiting_since=now - timedelta(minutes=minutes)))
        assert queued.owner == Conversation.Owner.UNASSIGNED
        waits[minutes] = queued.pk

    with django_capture_on_commit_callbacks(execute=True):
        agent_presence_set(user=ana.user, presence=AgentProfile.Presence.ONLINE)
    mine = set(Conversation.objects.filter(assignee=ana.user).values_list("pk", flat=True))
    assert mine == {waits[30], waits[10]}  # capacity 2: the two longest waiting

    # Resolving one makes room: the last one drains to her.
    with django_capture_on_commit_callbacks(execute=True):
        conversation_set_status(conversation=Conversation.objects.get(pk=waits[30]), status="resolved", actor=ana.user)
    assert Conversation.objects.get(pk=waits[5]).assignee_id == ana.user_id
    assert "from the queue (longest waiting first)" in Conversation.objects.get(pk=waits[5]).messages.latest("pk").text


@pytest.mark.django_db
def test_raising_capacity_drains_the_queue(django_capture_on_commit_callbacks):
    team, (ana,) = team_with(1)
    route(team)
    queued = route(team)
    with django_capture_on_commit_callbacks(execute=True):
        agent_capacity_set(agent=ana, capacity=2)
    queued.refresh_from_db()
    assert queued.assignee_id == ana.user_id
    assert backlog_drain(user_id=ana.user_id) == 0  # idempotent: nothing more to give


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_double_assign_or_overfill():
    """8 threads (own Postgres connections) route 12 conversations, each twice, at the same time."""
    team, agents = team_with(2, 2, 2, policy=Team.Policy.LEAST_LOADED)
    conversations = [ConversationFactory() for _ in range(12)]
    work = [c.pk for c in conversations] * 2
    barrier = threading.Barrier(8)
    errors = []

    def worker(index):
        try:
            barrier.wait()
            for pk in work[index::8]:
                conversation_route_to_team(conversation=Conversation.objects.get(pk=pk), team=team, reason="by load")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    loads = {a.user_id: Conversation.objects.filter(assignee=a.user).count() for a in agents}
    assert loads == {a.user_id: 2 for a in agents}  # full, never over
    for conversation in conversations:
        assigned = conversation.messages.filter(text__startswith="Assigned to").count()
        assert assigned <= 1
    assert Conversation.objects.filter(owner=Conversation.Owner.UNASSIGNED, team=team).count() == 6


@pytest.mark.django_db
def test_an_agent_going_online_over_http_gets_the_queue(django_capture_on_commit_callbacks):
    from django.test import Client

    team, (ana,) = team_with(3, presence=AgentProfile.Presence.OFFLINE)
    queued = route(team)
    client = Client()
    client.force_login(ana.user)
    assert client.post("/presence/", {"presence": "busy"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/presence/", {"presence": "online"}, HTTP_HX_REQUEST="true").status_code == 200
    queued.refresh_from_db()
    assert queued.assignee_id == ana.user_id
