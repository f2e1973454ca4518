from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inbox.models import AgentProfile, Conversation, Message, Notification, SavedFilter
from inbox.services import message_receive
from tests.factories import (
    AgentFactory,
    AttachmentFactory,
    CannedReplyFactory,
    ContactPointFactory,
    ConversationFactory,
    MessageFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _whatsapp(text="Where is my order?", name="Maya Lopez") -> Conversation:
    return message_receive(channel="whatsapp", address="+14155551012", text=text, name=name).message.conversation


def test_the_inbox_has_three_panes_and_settings_only_for_admins(agent_client, agent):
    conversation = _whatsapp()
    page = agent_client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert 'aria-label="Views"' in page and 'id="conversation-list"' in page and 'id="customer-panel"' in page
    assert "Maya Lopez" in page and "Where is my order?" in page and "+14155551012" in page
    assert 'href="/settings/"' not in page

    agent.role = AgentProfile.Role.ADMIN
    agent.save()
    assert 'href="/settings/"' in agent_client.get(reverse("inbox:home")).content.decode()


def _assert_constant(client, django_assert_max_num_queries, url, grow, **extra):
    with django_assert_max_num_queries(40) as small:
        assert client.get(url, **extra).status_code == 200
    grow()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url, **extra).status_code == 200


def test_every_list_is_a_constant_number_of_queries(agent_client, agent, django_assert_max_num_queries):
    team = TeamFactory()
    agent.teams.add(team)  # an agent sees their teams' conversations (inbox/access.py)
    customer = ContactPointFactory(kind="email", address="maya@example.com").customer
    conversation = ConversationFactory(customer=customer, team=team)
    MessageFactory(conversation=conversation, text="refund please")
    CannedReplyFactory()

    def grow():
        for i in range(25):
            ConversationFactory(team=team, owner="human", assignee=AgentFactory().user, tags=["vip"])
            message = MessageFactory(conversation=conversation, text=f"refund number {i}", author=UserFactory())
            AttachmentFactory(message=message)
            ConversationFactory(customer=customer, status="resolved")
            CannedReplyFactory()
            TeamFactory()

    urls = [
        (reverse("inbox:home"), {}),
        (reverse("inbox:list") + "?sort=priority", {}),
        (reverse("inbox:sidebar"), {}),
        (reverse("inbox:conversation", args=[conversation.pk]), {}),
        (reverse("inbox:conversation", args=[conversation.pk]) + "?part=live", HTMX),
        (reverse("inbox:search") + "?q=refund", {}),
    ]
    for url, extra in urls:
        _assert_constant(agent_client, django_assert_max_num_queries, url, grow, **extra)


def test_replying_from_the_composer(agent_client):
    conversation = _whatsapp()
    data = {"mode": "reply", "channel": "whatsapp", "text": "It ships today"}
    response = agent_client.post(reverse("inbox:send", args=[conversation.pk]), data, **HTMX)
    assert response.status_code == 200 and "It ships today" in response.content.decode()
    reply = Message.objects.get(direction="outbound")
    assert (reply.channel, reply.delivery_status) == ("whatsapp", "pending")


def test_the_composer_refuses_whatsapp_free_text_outside_the_window_with_a_reason(agent_client):
    conversation = _whatsapp()
    Conversation.objects.filter(pk=conversation.pk).update(whatsapp_last_inbound_at=timezone.now() - timedelta(days=2))
    page = agent_client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert "WhatsApp 24-hour window is closed" in page
    response = agent_client.post(reverse("inbox:send", args=[conversation.pk]),
                                 {"mode": "reply", "channel": "whatsapp", "text": "Hello"}, **HTMX)  # fmt: skip
    assert response.status_code == 400 and "only an approved template" in response.content.decode()
    assert not Message.objects.filter(direction="outbound").exists()


def test_a_note_with_an_attachment_and_a_mention(agent_client):
    AgentFactory(user__username="ben")
    conversation = _whatsapp()
    upload = SimpleUploadedFile("label.pdf", b"%PDF-1.4 fake")
    response = agent_client.post(reverse("inbox:send", args=[conversation.pk]),
                                 {"mode": "note", "text": "@ben please print", "files": [upload]}, **HTMX)  # fmt: skip
    assert response.status_code == 200
    note = Message.objects.get(direction="note")
    assert note.attachments.get().filename == "label.pdf"
    assert Notification.objects.get().user.username == "ben"


def test_canned_replies_arrive_filled_in(agent_client):
    CannedReplyFactory(title="Greeting", body="Hi {{customer.name}}, {{agent.name}} here. <b>")
    page = agent_client.get(reverse("inbox:conversation", args=[_whatsapp().pk])).content.decode()
    assert 'data-body="Hi Maya Lopez, Ana here. &lt;b&gt;"' in page


def test_assign_take_over_hand_to_ai_status_priority_and_tags(agent_client, agent):
    ben = AgentFactory(user__username="ben", user__first_name="Ben").user
    team = TeamFactory(name="Billing")
    agent.teams.add(team)  # moved to Billing's queue, it stays Ana's to work on
    conversation = _whatsapp()
    url = lambda name: reverse(f"inbox:{name}", args=[conversation.pk])  # noqa: E731

    assert agent_client.post(url("assign"), {"target": f"agent:{ben.pk}"}, **HTMX).status_code == 200
    conversation.refresh_from_db()
    assert conversation.assignee == ben
    agent_client.post(url("assign"), {"target": f"team:{team.pk}"}, **HTMX)
    conversation.refresh_from_db()
    assert (conversation.owner, conversation.team) == ("unassigned", team)
    agent_client.post(url("hand_to_ai"), **HTMX)
    conversation.refresh_from_db()
    assert conversation.owner == "ai"
    response = agent_client.post(url("assign"), {"target": "me"}, **HTMX)
    assert "taken over by Ana" in response.content.decode()
    agent_client.post(url("status"), {"status": "snoozed", "preset": "4h"}, **HTMX)
    conversation.refresh_from_db()
    assert conversation.status == "snoozed" and conversation.snoozed_until > timezone.now() + timedelta(hours=3)
    agent_client.post(url("status"), {"status": "resolved"}, **HTMX)
    agent_client.post(url("priority"), {"priority": "3"}, **HTMX)
    agent_client.post(url("tags"), {"tags": "vip, Billing"}, **HTMX)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.priority, conversation.tags) == ("resolved", 3, ["vip", "billing"])


def test_integrations_and_deactivated_people_are_not_offered_as_assignees(agent_client):
    from inbox.api.services import integration_create

    integration, _ = integration_create(name="CRM sync", actor=UserFactory())
    gone = AgentFactory(user__first_name="Gone", user__is_active=False).user
    AgentFactory(user__first_name="Ben")
    conversation = _whatsapp()
    page = agent_client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert "Ben" in page and "CRM sync" not in page and "Gone" not in page

    for user in (integration.user, gone):
        response = agent_client.post(
            reverse("inbox:assign", args=[conversation.pk]), {"target": f"agent:{user.pk}"}, **HTMX
        )
        assert response.status_code == 400 and "No such agent" in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.assignee is None


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("assign", {"target": "agent:999999"}, "No such agent"),
        ("assign", {"target": "nobody"}, "Choose an agent or a team"),
        ("status", {"status": "snoozed", "preset": "custom"}, "Choose when the conversation should wake up"),
        ("status", {"status": "bogus"}, "Unknown status"),
        ("priority", {"priority": "9"}, "Choose a priority"),
        ("send", {"mode": "reply", "channel": "email", "text": "Hi"}, "cannot be reached on Email"),
        ("send", {"mode": "note", "text": "  "}, "A note needs some text"),
    ],
)
def test_bad_actions_answer_400_with_a_reason(agent_client, name, data, reason):
    conversation = _whatsapp()
    response = agent_client.post(reverse(f"inbox:{name}", args=[conversation.pk]), data, **HTMX)
    assert response.status_code == 400 and reason in response.content.decode()


def test_adding_a_taken_address_offers_a_merge_that_works(agent_client):
    maya = _whatsapp()
    other = message_receive(channel="email", address="maya.l@example.com", text="Hi", name="M. Lopez").message
    response = agent_client.post(reverse("inbox:contact_point_add", args=[maya.pk]),
                                 {"kind": "email", "address": "MAYA.L@example.com"}, **HTMX)  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 400 and "already belongs to M. Lopez" in body
    assert f'name="other" value="#{other.conversation.customer_id}"' in body
    # Two customers may share a name: the button says which record goes into which.
    assert f"Merge M. Lopez (#{other.conversation.customer_id}) into" in body and f"(#{maya.customer_id})" in body

    response = agent_client.post(reverse("inbox:merge", args=[maya.pk]),
                                 {"other": f"#{other.conversation.customer_id}"}, **HTMX)  # fmt: skip
    assert response.status_code == 200
    assert set(maya.customer.contact_points.values_list("address", flat=True)) == {"+14155551012",
                                                                                     "maya.l@example.com"}  # fmt: skip


def test_attachments_are_served_to_agents_only_and_svg_never_inline(agent_client, client):
    png = AttachmentFactory()
    svg = AttachmentFactory(filename="x.svg", content_type="image/svg+xml",
                            file__data=b"<svg onload=alert(1)>", file__filename="x.svg")  # fmt: skip
    url = reverse("inbox:attachment", args=[png.pk])
    assert client.get(url).status_code == 302
    outsider = Client()
    outsider.force_login(UserFactory())
    assert outsider.get(url).status_code == 403

    response = agent_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff" and "inline" in response["Content-Disposition"]
    response = agent_client.get(reverse("inbox:attachment", args=[svg.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_password_reset_emails_a_working_link(client, agent):
    agent.user.email = "ana@example.com"
    agent.user.save()
    response = client.post(reverse("password_reset"), {"email": "ana@example.com"}, follow=True)
    assert "Check your email" in response.content.decode()
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    page = client.get(urlparse(link.strip()).path, follow=True)
    assert "Choose a new password" in page.content.decode() and "new_password1" in page.content.decode()


@pytest.mark.parametrize("view", ["channel:whatsapp", "team"])
def test_saving_a_filter_starts_from_the_view_on_screen(agent_client, agent, view):
    team = TeamFactory(name="Billing")
    agent.teams.add(team)
    view = f"team:{team.pk}" if view == "team" else view
    page = agent_client.get(reverse("inbox:home"), {"view": view}).content.decode()
    form = page[page.index('id="sf-view"') :].split("</select>")[0]
    # Looking at WhatsApp (or a team) and saving it used to save "Mine", the first option.
    assert f'value="{view}" selected' in form and 'value="mine" selected' not in form


def test_saved_filters_belong_to_their_agent(agent_client, agent):
    response = agent_client.post(reverse("inbox:saved_filter_save"),
                                 {"name": "Urgent WhatsApp", "channel": "whatsapp", "priority": "3"})  # fmt: skip
    assert response.status_code == 302 and "channel=whatsapp" in response["Location"]
    saved = SavedFilter.objects.get()
    assert saved.params == {"channel": "whatsapp", "priority": "3"}
    assert "Urgent WhatsApp" in agent_client.get(reverse("inbox:home")).content.decode()
    assert agent_client.post(reverse("inbox:saved_filter_save"), {"name": "Empty"}).status_code == 400

    other = Client()
    other.force_login(AgentFactory().user)
    assert other.post(reverse("inbox:saved_filter_delete", args=[saved.pk])).status_code == 400
    assert agent_client.post(reverse("inbox:saved_filter_delete", args=[saved.pk])).status_code == 302
    assert not SavedFilter.objects.exists()


def test_notifications_page_and_presence(agent_client, agent):
    conversation = _whatsapp()
    Notification.objects.create(user=agent.user, kind="mention", conversation=conversation, text="Ben mentioned you")
    assert "Ben mentioned you" in agent_client.get(reverse("inbox:notifications")).content.decode()
    agent_client.post(reverse("inbox:notifications_read"), {})
    assert not Notification.objects.filter(read_at__isnull=True).exists()

    assert agent_client.post(reverse("inbox:presence"), {"presence": "away"}).status_code == 200
    agent.refresh_from_db()
    assert agent.presence == "away"
    assert agent_client.post(reverse("inbox:presence"), {"presence": "asleep"}).status_code == 400


def test_pages_refuse_non_agents(client):
    client.force_login(UserFactory())
    for name in ("inbox:home", "inbox:search", "inbox:notifications", "inbox:list", "inbox:sidebar"):
        assert client.get(reverse(name)).status_code == 403
