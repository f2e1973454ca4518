import pytest
from django.urls import reverse

from inbox.models import Channel
from inbox.services import message_receive
from tests.factories import ContactPointFactory, ConversationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_inbox_needs_a_login(client):
    response = client.get(reverse("inbox:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_user_who_is_not_an_agent_is_refused(client):
    client.force_login(UserFactory())
    assert client.get(reverse("inbox:home")).status_code == 403


def test_the_login_page_logs_an_agent_in(client, agent):
    agent.user.set_password("s3cret-pass")
    agent.user.save()
    bad = client.post(reverse("login"), {"username": "ana", "password": "wrong"})
    assert bad.status_code == 200 and "correct username and password" in bad.content.decode()
    response = client.post(reverse("login"), {"username": "ana", "password": "s3cret-pass"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("inbox:home")


def test_the_list_shows_conversations_across_channels(agent_client):
    message_receive(channel=Channel.WHATSAPP, address="+15551230000", text="Where is my order?", name="Maya Lopez")
    message_receive(channel=Channel.EMAIL, address="liam@example.com", text="Refund please", name="Liam")

    page = agent_client.get(reverse("inbox:home")).content.decode()

    assert "Maya Lopez" in page and "Where is my order?" in page
    assert "Liam" in page and "Refund please" in page
    assert "WhatsApp" in page and "Email" in page


def test_the_list_is_a_constant_number_of_queries(agent_client, django_assert_max_num_queries):
    ConversationFactory.create_batch(3)
    with django_assert_max_num_queries(12) as few:
        agent_client.get(reverse("inbox:home"))
    ConversationFactory.create_batch(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        agent_client.get(reverse("inbox:home"))


def test_the_htmx_request_gets_only_the_list_partial(agent_client):
    ConversationFactory()
    response = agent_client.get(reverse("inbox:home"), {"view": "unassigned"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and 'class="conversations"' in body


def test_customer_text_is_escaped(agent_client):
    message_receive(channel=Channel.SMS, address="+15551230000", text="<img src=x onerror=alert(1)>",
                    name="<script>alert('n')</script>")  # fmt: skip
    conversation_id = ConversationFactory._meta.model.objects.get().pk
    for url in (reverse("inbox:home"), reverse("inbox:conversation", args=[conversation_id])):
        page = agent_client.get(url).content.decode()
        assert "<img src=x" not in page and "<script>alert('n')" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_conversation_page_shows_one_timeline_across_channels(agent_client):
    customer = ContactPointFactory(kind="email", address="maya@example.com").customer
    ContactPointFactory(customer=customer, kind="whatsapp", address="+15551230000")
    message_receive(channel=Channel.EMAIL, address="maya@example.com", text="Order late")
    conversation = message_receive(
        channel=Channel.WHATSAPP, address="+15551230000", text="Any news?"
    ).message.conversation

    page = agent_client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()

    assert "Order late" in page and "Any news?" in page
    assert agent_client.get(reverse("inbox:conversation", args=[999999])).status_code == 404


def test_a_refresh_asks_for_the_rows_already_on_screen(agent_client, settings):
    settings.INBOX_PAGE_SIZE = 2
    for n in range(5):
        message_receive(channel=Channel.SMS, address=f"+1555000000{n}", text=f"hi {n}")
    count = lambda **params: len(agent_client.get(reverse("inbox:list"), params).context["page"].conversations)  # noqa: E731
    assert count() == 2
    assert count(rows="4") == 4
    assert count(rows="1") == 2  # never fewer than a page
    assert count(rows="lots") == 2


def test_search_says_when_older_matches_lie_beyond_the_window(agent_client, monkeypatch):
    monkeypatch.setattr("inbox.selectors.SEARCH_WINDOW", 1)
    for n in range(2):
        message_receive(channel=Channel.SMS, address=f"+1555000001{n}", text="parcel lost")
    page = agent_client.get(reverse("inbox:search"), {"q": "parcel"}).content.decode()
    assert "best of the most recent 1." in page and "Add words or a date range" in page
