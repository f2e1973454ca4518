"""The visibility policy (inbox/access.py) everywhere an agent reads or acts on conversations."""

import pytest
from django.test import Client
from django.urls import reverse

from inbox.access import viewer
from inbox.models import AgentProfile, Notification
from inbox.selectors import ListQuery, SearchFilters, conversation_page, conversations_visible, search, sidebar
from inbox.services import note_add
from inbox.services.compose import note_post
from tests.factories import (
    AgentFactory,
    AttachmentFactory,
    ConversationFactory,
    CustomerFactory,
    MessageFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world():
    billing, sales = TeamFactory(name="Billing"), TeamFactory(name="Sales")
    ana = AgentFactory(user__username="ana")
    ana.teams.add(billing)
    bob = AgentFactory(user__username="bob")
    bob.teams.add(sales)
    customer = CustomerFactory(name="Maya Lopez")
    return {
        "billing": billing,
        "sales": sales,
        "ana": ana.user,
        "bob": bob.user,
        "admin": AgentFactory(user__username="root", role=AgentProfile.Role.ADMIN).user,
        "mine": ConversationFactory(customer=customer, team=billing, subject="billing one"),
        "other": ConversationFactory(customer=customer, team=sales, subject="sales one"),
        "unteamed": ConversationFactory(customer=customer, subject="no team"),
        "assigned": ConversationFactory(team=sales, owner="human", assignee=ana.user, subject="lent to ana"),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_agents_see_their_teams_unteamed_and_their_own_conversations_admins_everything(world):
    visible = {c.subject for c in conversations_visible(world["ana"])}
    assert visible == {"billing one", "no team", "lent to ana"}
    assert {c.subject for c in conversations_visible(world["bob"])} == {"sales one", "no team", "lent to ana"}
    assert conversations_visible(world["admin"]).count() == 4
    page = conversation_page(user=world["ana"], query=ListQuery(view=f"team:{world['sales'].pk}"))
    assert [c.subject for c in page.conversations] == ["lent to ana"], "another team's view shows only what she may see"


def test_counts_and_team_views_follow_the_policy(world):
    data = sidebar(world["ana"])
    counts = {key: n for key, _, n in data["views"]}
    assert counts["open"] == 3
    assert [name for _, name, _ in data["teams"]] == ["Billing"]
    assert [name for _, name, _ in sidebar(world["admin"])["teams"]] == ["Billing", "Sales"]


def test_search_finds_only_messages_of_visible_conversations(world):
    MessageFactory(conversation=world["mine"], text="refund for zipper")
    MessageFactory(conversation=world["other"], text="refund for laptop")
    hits = search(SearchFilters(q="refund"), user=world["ana"])["messages"]
    assert [h.conversation_id for h in hits] == [world["mine"].pk]
    customers = search(SearchFilters(q="maya"), user=world["bob"])["customers"]
    assert customers[0].latest_conversation_id in {world["other"].pk, world["unteamed"].pk}


def test_another_teams_conversation_page_actions_and_attachments_are_403_with_a_reason(world):
    ana = _client(world["ana"])
    other = world["other"]
    response = ana.get(reverse("inbox:conversation", args=[other.pk]))
    assert response.status_code == 403 and "another team" in response.content.decode()
    assert "sales one" not in response.content.decode()
    for name, data in [("send", {"mode": "note", "text": "hi"}), ("status", {"status": "resolved"}),
                       ("assign", {"target": "me"}), ("tags", {"tags": "x"})]:  # fmt: skip
        response = ana.post(reverse(f"inbox:{name}", args=[other.pk]), data, **HTMX)
        assert response.status_code == 403, name
        assert "another team" in response.content.decode()
    assert ana.post(reverse("inbox:take_over", args=[other.pk])).status_code == 403
    other.refresh_from_db()
    assert (other.status, other.assignee_id, other.tags) == ("open", None, [])
    attachment = AttachmentFactory(message=MessageFactory(conversation=other))
    assert ana.get(reverse("inbox:attachment", args=[attachment.pk])).status_code == 403
    own = AttachmentFactory(message=MessageFactory(conversation=world["mine"]))
    assert ana.get(reverse("inbox:attachment", args=[own.pk])).status_code == 200
    assert _client(world["admin"]).get(reverse("inbox:conversation", args=[other.pk])).status_code == 200


def test_the_customer_panel_lists_only_visible_past_conversations(world):
    page = _client(world["ana"]).get(reverse("inbox:conversation", args=[world["mine"].pk])).content.decode()
    assert "no team" in page and "sales one" not in page
    page = _client(world["admin"]).get(reverse("inbox:conversation", args=[world["mine"].pk])).content.decode()
    assert "sales one" in page


def test_a_mention_only_notifies_colleagues_who_may_see_the_conversation(world):
    note_post(conversation=world["mine"], actor=world["admin"], text="@ana and @bob have a look")
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["ana"]


def test_notifications_about_a_conversation_that_moved_away_are_hidden(world):
    note = note_add(conversation=world["mine"], author=world["admin"], text="fyi")
    ana = world["ana"]
    Notification.objects.create(user=ana, kind="mention", conversation=world["mine"], message=note, text="visible-note")
    Notification.objects.create(user=ana, kind="mention", conversation=world["other"], text="hidden-note")
    page = _client(world["ana"]).get(reverse("inbox:notifications")).content.decode()
    assert "visible-note" in page and "hidden-note" not in page
    assert 'aria-label="Notifications, 1 unread"' in page


def test_the_shared_queue_setting_lets_every_agent_see_everything(world, settings):
    settings.INBOX_TEAM_VISIBILITY = "all"
    assert conversations_visible(world["ana"]).count() == 4
    assert _client(world["ana"]).get(reverse("inbox:conversation", args=[world["other"].pk])).status_code == 200


def test_the_policy_costs_one_query_per_request_whatever_the_teams(world, django_assert_num_queries):
    user = type(world["ana"]).objects.get(pk=world["ana"].pk)
    with django_assert_num_queries(1):
        viewer(user)
        viewer(user)
    for _ in range(5):
        team = TeamFactory()
        user.agent.teams.add(team)
        ConversationFactory(team=team)
    user = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(2):  # the role and teams, then the filtered list
        list(conversations_visible(user))


def test_lists_stay_constant_in_queries_for_a_team_agent(world, django_assert_max_num_queries):
    ana = _client(world["ana"])
    urls = [reverse("inbox:home"), reverse("inbox:sidebar"), reverse("inbox:search") + "?q=refund",
            reverse("inbox:conversation", args=[world["mine"].pk]), reverse("inbox:notifications")]  # fmt: skip
    for url in urls:
        with django_assert_max_num_queries(40) as small:
            assert ana.get(url).status_code == 200
        for _ in range(10):
            ConversationFactory(team=world["billing"], customer=world["mine"].customer)
            ConversationFactory(team=world["sales"], customer=world["mine"].customer)
            MessageFactory(conversation=world["mine"], text="refund")
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert ana.get(url).status_code == 200, url


def test_moving_a_conversation_to_another_team_answers_that_it_left_the_agents_queues(world):
    ana = _client(world["ana"])
    url = reverse("inbox:assign", args=[world["mine"].pk])
    response = ana.post(url, {"target": f"team:{world['sales'].pk}"}, **HTMX)
    assert response.status_code == 200 and "it has left your queues" in response.content.decode()
    world["mine"].refresh_from_db()
    assert world["mine"].team == world["sales"]
    assert ana.get(reverse("inbox:conversation", args=[world["mine"].pk])).status_code == 403
