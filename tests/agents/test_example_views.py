"""The decision examples page: admins see what each decision learns from and change it."""

import pytest
from django.urls import reverse

from agents.decisions import text_decide
from agents.examples import examples_defaults_load
from agents.models import Example
from inbox.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

URL = reverse("agents:settings_examples")


def test_the_page_counts_examples_per_label_and_language_and_lists_one_label(admin_client):
    examples_defaults_load()
    page = admin_client.get(URL, {"kind": "signal", "label": "vip_sales"}).content.decode()
    shipped = Example.objects.filter(kind="signal", label="vip_sales", language="de").count()
    assert shipped > 0 and f"<td>{shipped}</td>" in page
    some = Example.objects.filter(kind="signal", label="vip_sales").first()
    assert some.text in page and "Shipped default" in page


def test_an_added_example_changes_the_next_decision(admin_client):
    examples_defaults_load()
    text = "do you do engraving on the water bottles?"
    before = text_decide(text=text)
    response = admin_client.post(URL, {"kind": "signal", "label": "vip_sales", "text": text})
    assert response.status_code == 302
    added = Example.objects.get(text=text)
    assert added.language == "en" and added.source == Example.Source.ADMIN
    assert AuditEntry.objects.filter(action="example.created").exists()
    after = text_decide(text=text)
    assert after["signals"]["vip_sales"] > before["signals"]["vip_sales"]
    assert any(n["text"] == text for n in after["nearest"])


def test_bad_examples_are_refused_with_the_reason_and_nothing_stored(admin_client):
    examples_defaults_load()
    count = Example.objects.count()
    empty = admin_client.post(URL, {"kind": "intent", "label": "pricing", "text": "   "})
    assert empty.status_code == 400 and "Write the example phrase" in empty.content.decode()
    unknown = admin_client.post(URL, {"kind": "signal", "label": "angry_cats", "text": "meow"})
    assert unknown.status_code == 400 and "A reason is one of" in unknown.content.decode()
    existing = Example.objects.filter(kind="intent", label="pricing").first()
    twice = admin_client.post(URL, {"kind": "intent", "label": "pricing", "text": existing.text})
    assert twice.status_code == 400 and "already an example" in twice.content.decode()
    assert Example.objects.count() == count


def test_removing_an_example_is_audited(admin_client):
    examples_defaults_load()
    example = Example.objects.filter(kind="intent", label="returns").first()
    response = admin_client.post(reverse("agents:settings_example_delete", args=[example.pk]))
    assert response.status_code == 302 and not Example.objects.filter(pk=example.pk).exists()
    assert AuditEntry.objects.filter(action="example.deleted").exists()


def test_agents_who_are_not_admins_cannot_change_examples(client, django_user_model):
    agent = django_user_model.objects.create_user("sam", password="pw-12345678")
    client.force_login(agent)
    assert client.get(URL).status_code in (302, 403)
    assert client.post(URL, {"kind": "intent", "label": "pricing", "text": "how much?"}).status_code in (302, 403)
    assert not Example.objects.filter(text="how much?").exists()
