import pytest
from django.test import Client, override_settings

from channels_app.email.smtp import inbound_controller, sink_controller
from inbox.models import Channel, Message
from inbox.services import message_append_outbound
from tests.net import free_port


@override_settings(DEMO_SIMULATOR=False)
@pytest.mark.parametrize("url", ["/demo/store/", "/simulator/", "/simulator/email/"])
def test_the_simulator_does_not_exist_outside_the_demo(client: Client, url):
    assert client.get(url).status_code == 404


@pytest.mark.django_db
@override_settings(DEMO_SIMULATOR=True)
def test_the_storefront_embeds_the_widget_like_any_site_would(client: Client):
    body = client.get("/demo/store/").content.decode()
    assert '<script src="http://testserver/static/widget/widget.js" async' in body
    assert "data-user-hash" not in body


@pytest.mark.django_db
@override_settings(DEMO_SIMULATOR=True, WIDGET_IDENTITY_SECRET="s3cret")
def test_the_storefront_can_sign_in_a_demo_customer_with_an_identity_hash(client: Client):
    from channels_app.widget.tokens import identity_hash
    from tests.factories import ContactPointFactory

    ContactPointFactory(address="maya@example.com", customer__name="Maya Lopez")
    assert "Sign in as Maya Lopez (demo)" in client.get("/demo/store/").content.decode()

    body = client.get("/demo/store/?customer=maya@example.com&name=Maya").content.decode()
    assert f'data-user-hash="{identity_hash("maya@example.com")}"' in body


@override_settings(DEMO_SIMULATOR=True)
def test_the_simulator_links_every_channel(client: Client):
    body = client.get("/simulator/").content.decode()
    assert 'href="/demo/store/"' in body and 'href="/simulator/email/"' in body and 'href="/simulator/phone/"' in body


@pytest.mark.django_db(transaction=True)
def test_an_email_customer_writes_reads_the_reply_and_answers_on_the_same_thread(tmp_path):
    inbound_port, sink_port = free_port(), free_port()
    receiver = inbound_controller(host="127.0.0.1", port=inbound_port)
    sink = sink_controller(host="127.0.0.1", port=sink_port, directory=tmp_path)
    receiver.start()
    sink.start()
    client = Client()
    try:
        with override_settings(
            DEMO_SIMULATOR=True,
            EMAIL_INBOUND_SMTP_PORT=inbound_port,
            EMAIL_SINK_DIR=tmp_path,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=sink_port,
        ):
            form = {"from_address": "maya@example.com", "from_name": "Maya", "subject": "Boots", "body": "Size 39?"}
            response = client.post("/simulator/email/", form)
            assert response.status_code == 302
            question = Message.objects.get()
            assert question.text == "Size 39?" and question.conversation.subject == "Boots"

            # Delivered by the delivery task (run inline in tests) once the reply commits.
            message_append_outbound(conversation=question.conversation, channel=Channel.EMAIL, text="Yes!")

            page = client.get("/simulator/email/?as=maya@example.com").content.decode()
            assert "Re: Boots" in page and "Yes!" in page
            mailbox = client.get("/simulator/email/?as=maya@example.com", headers={"HX-Request": "true"})
            assert "<html" not in mailbox.content.decode() and "Yes!" in mailbox.content.decode()

            from channels_app.simulator.mailbox import mailbox_messages

            [mail] = mailbox_messages(address="maya@example.com")
            answer = {
                **form,
                "to": mail["reply_to"],
                "subject": "Re: Boots",
                "body": "Great, ordering now",
                "in_reply_to": mail["message_id"],
                "references": mail["references"],
                "quoted": mail["text"],
            }
            client.post("/simulator/email/", answer)
    finally:
        receiver.stop()
        sink.stop()
    latest = Message.objects.filter(direction="inbound").order_by("-pk").first()
    assert latest.conversation_id == question.conversation_id
    assert latest.text == "Great, ordering now"  # the quoted "Yes!" history was stripped
    assert Message.objects.filter(direction="inbound").count() == 2


@override_settings(DEMO_SIMULATOR=True, EMAIL_INBOUND_SMTP_PORT=1)
def test_a_receiver_that_is_down_is_reported_not_crashed(client: Client):
    form = {"from_address": "maya@example.com", "subject": "x", "body": "y"}
    response = client.post("/simulator/email/", form, follow=True)
    assert "did not take the email" in response.content.decode()


@override_settings(DEMO_SIMULATOR=True)
def test_an_invalid_customer_address_is_refused_with_a_reason(client: Client):
    response = client.post("/simulator/email/", {"from_address": "nope", "subject": "x", "body": "y"}, follow=True)
    assert "Enter the customer" in response.content.decode()
