from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox.models import Conversation, Message
from inbox.selectors import ListQuery, SearchFilters, conversation_page, search, sidebar
from inbox.services import message_receive, note_add
from inbox.services.actions import conversation_mark_read
from tests.factories import ConversationFactory, MessageFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _walk(user, sort: str, limit: int = 3, **filters) -> list[int]:
    seen, cursor = [], ""
    while True:
        page = conversation_page(user=user, query=ListQuery(sort=sort, cursor=cursor, **filters), limit=limit)
        seen += [c.pk for c in page.conversations]
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", ["waiting", "newest", "priority"])
def test_keyset_pages_visit_every_conversation_once_in_order(agent, sort):
    now = timezone.now()
    for i in range(11):
        ConversationFactory(
            waiting_since=None if i % 3 == 0 else now - timedelta(minutes=i % 4),  # ties and nulls
            last_message_at=now - timedelta(minutes=i % 5),
            priority=i % 4,
        )
    ConversationFactory(status="resolved")
    everything = list(
        Conversation.objects.filter(status="open").values_list("pk", "waiting_since", "last_message_at", "priority")
    )
    expected = {
        "waiting": sorted(everything, key=lambda r: (r[1] is None, r[1] or now, r[0])),
        "newest": sorted(everything, key=lambda r: (r[2] is None, -(r[2] or now).timestamp(), -r[0])),
        "priority": sorted(everything, key=lambda r: (-r[3], -r[0])),
    }[sort]
    assert _walk(agent.user, sort) == [r[0] for r in expected]


def test_a_tampered_cursor_is_refused(agent):
    with pytest.raises(ValidationError):
        conversation_page(user=agent.user, query=ListQuery(cursor="not-a-cursor"))


def test_views_filter_and_count(agent):
    team = TeamFactory(name="Billing")
    agent.teams.add(team)  # an agent sees their teams' conversations (inbox/access.py)
    ConversationFactory(owner="human", assignee=agent.user, channels=["whatsapp"])
    ConversationFactory(owner="ai", team=team, channels=["email", "sms"])
    ConversationFactory(status="snoozed", snoozed_until=timezone.now() + timedelta(hours=1))
    ConversationFactory(status="resolved")
    counts = {key: n for key, _, n in sidebar(agent.user)["views"]}
    assert counts == {"mine": 1, "open": 2, "unassigned": 0, "ai": 1, "snoozed": 1, "resolved": 1}
    data = sidebar(agent.user)
    assert (f"team:{team.pk}", "Billing", 1) in data["teams"]
    assert ("channel:sms", "SMS", 1) in data["channels"]
    assert len(conversation_page(user=agent.user, query=ListQuery(view="channel:whatsapp")).conversations) == 1
    assert len(conversation_page(user=agent.user, query=ListQuery(view=f"team:{team.pk}")).conversations) == 1


def test_unread_until_the_agent_opens_it(agent):
    message = message_receive(channel="sms", address="+14155551012", text="Hi").message
    assert conversation_page(user=agent.user, query=ListQuery()).conversations[0].unread
    conversation_mark_read(conversation=message.conversation, user=agent.user)
    assert not conversation_page(user=agent.user, query=ListQuery()).conversations[0].unread
    message_receive(channel="sms", address="+14155551012", text="Hello?")
    assert conversation_page(user=agent.user, query=ListQuery()).conversations[0].unread


def test_search_ranks_highlights_and_escapes(agent):
    old = message_receive(channel="email", address="maya@example.com", name="Maya Lopez",
                          text="refund for the broken zipper please <script>x</script> 2 < 3 & y").message  # fmt: skip
    note_add(conversation=old.conversation, author=agent.user, text="zipper zipper refund refund")
    MessageFactory(text="nothing relevant")
    results = search(SearchFilters(q="zipper refund"), user=agent.user)
    hits = results["messages"]
    assert [h.direction for h in hits] == ["note", "inbound"]  # denser match ranks first
    highlighted = str(hits[1].highlighted)
    assert "<mark>refund</mark>" in highlighted and "<mark>zipper</mark>" in highlighted
    assert "<script>" not in highlighted and "2 &lt; 3 &amp; y" in highlighted


def test_search_ranks_within_the_newest_matches_and_reaches_back_in_time(monkeypatch, agent):
    monkeypatch.setattr("inbox.selectors.SEARCH_WINDOW", 3)
    now = timezone.now()

    def written(days_ago: int, text: str):
        message = MessageFactory(text=text)
        Message.objects.filter(pk=message.pk).update(created_at=now - timedelta(days=days_ago))
        return message.pk

    ancient = written(400, "tent tent tent tent")  # the densest match, but beyond the window
    year_old = written(200, "tent")
    recent = [written(days, "tent") for days in (1, 2)]
    dense_recent = written(3, "tent tent")

    result = search(SearchFilters(q="tent"), user=agent.user)
    assert [m.pk for m in result["messages"]] == [dense_recent, *recent]
    assert result["truncated"]  # older matches exist: the page says so

    # Few hits in the recent periods: the older periods fill the window, oldest last.
    Message.objects.filter(pk__in=[*recent, dense_recent]).delete()
    result = search(SearchFilters(q="tent"), user=agent.user)
    assert [m.pk for m in result["messages"]] == [ancient, year_old] and not result["truncated"]


def test_search_filters_and_finds_customers_by_name_email_and_phone(agent):
    message_receive(channel="email", address="maya@example.com", name="Maya Lopez", text="refund")
    message_receive(channel="sms", address="+14155551012", name="Liam", text="refund")
    assert [m.channel for m in search(SearchFilters(q="refund", channel="sms"), user=agent.user)["messages"]] == ["sms"]
    assert search(SearchFilters(q="refund", status="resolved"), user=agent.user)["messages"] == []
    tomorrow = timezone.now().date() + timedelta(days=1)
    assert search(SearchFilters(q="refund", date_from=tomorrow), user=agent.user)["messages"] == []
    assert [c.name for c in search(SearchFilters(q="maya@exa"), user=agent.user)["customers"]] == ["Maya Lopez"]
    assert [c.name for c in search(SearchFilters(q="lopez"), user=agent.user)["customers"]] == ["Maya Lopez"]
    assert [c.name for c in search(SearchFilters(q="+1415555"), user=agent.user)["customers"]] == ["Liam"]
    assert search(SearchFilters(q="maya"), user=agent.user)["customers"][0].latest_conversation_id is not None
