"""Every audited change leaves one entry: who, what, and the values before and after."""

from datetime import date

import pytest

from agents import settings_services
from agents.models import Article, Intent, Procedure, SensitiveTopic
from agents.procedures import procedure_save
from inbox.assignment import agent_capacity_set, team_policy_set
from inbox.audit.models import AuditEntry
from inbox.hours import business_hours_set
from inbox.models_routing import SlaPolicy
from inbox.rules.admin import rule_create, rule_delete, rule_move, rule_set_enabled, rule_update
from inbox.services import message_receive
from inbox.services.customers import customer_merge
from inbox.sla import sla_policy_save
from tests.factories import AgentFactory, ArticleFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return AgentFactory(role="admin", user__username="boss").user


def _entry(action: str) -> AuditEntry:
    [entry] = AuditEntry.objects.filter(action=action)
    assert entry.actor_label == "boss"
    return entry


def test_customer_merges(admin):
    a = message_receive(channel="sms", address="+15550000001", name="Maya", text="hi").message.conversation.customer
    b = message_receive(channel="email", address="maya@example.com", text="hello").message.conversation.customer
    customer_merge(source=b, target=a, actor=admin)
    entry = _entry("customer.merged")
    assert entry.target_id == str(a.pk)
    assert entry.before["merged_customer"] == b.pk and entry.before["contact_points"] == ["maya@example.com"]
    assert entry.after["conversations_moved"] == 1


def test_routing_rules_every_change(admin):
    team = TeamFactory()
    sms = [{"field": "channel", "value": ["sms"]}]
    rule = rule_create(
        actor=admin, name="VIP", match="all", conditions=sms, actions={"owner": "team", "team_id": team.pk}
    )
    other = rule_create(actor=admin, name="Other", match="all", conditions=sms, actions={"owner": "ai"})
    rule_update(rule=rule, actor=admin, name="VIP customers", match="all", conditions=sms,
                actions={"owner": "team", "team_id": team.pk})  # fmt: skip
    rule_set_enabled(rule=rule, enabled=False, actor=admin)
    rule_move(rule=other, direction="up", actor=admin)
    rule_delete(rule=other, actor=admin)
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["rule.created", "rule.created", "rule.updated", "rule.disabled", "rule.moved", "rule.moved",
                       "rule.deleted"]  # fmt: skip
    updated = _entry("rule.updated")
    assert (updated.before["name"], updated.after["name"]) == ("VIP", "VIP customers")
    assert _entry("rule.deleted").after is None


def test_procedures(admin):
    procedure = Procedure(name="Refunds")
    procedure_save(procedure=procedure, instructions="Ask for the order number.", author=admin)
    procedure_save(procedure=procedure, instructions="Ask for the order number and the reason.", author=admin)
    procedure_save(procedure=procedure, instructions="Ask for the order number and the reason.", author=admin)
    assert _entry("procedure.created").after["version"] == 1
    updated = _entry("procedure.updated")  # the unchanged save added nothing
    assert updated.before == {"version": 1, "instructions": "Ask for the order number."}
    assert updated.after["instructions"] == "Ask for the order number and the reason."


def test_knowledge_base_articles(admin):
    article = settings_services.article_save(article=Article(title="Returns", body="30 days."), actor=admin)
    article.body = "60 days."
    settings_services.article_save(article=article, actor=admin)
    article.published = False
    settings_services.article_save(article=article, actor=admin)
    settings_services.article_delete(article=ArticleFactory(title="Old"), actor=admin)
    assert _entry("article.created").after["title"] == "Returns"
    changed = _entry("article.updated")
    assert changed.before["body_sha256"] != changed.after["body_sha256"] and changed.after["body_chars"] == 8
    assert _entry("article.unpublished").after["published"] is False
    assert _entry("article.deleted").before["title"] == "Old"


def test_ai_intents_and_sensitive_topics(admin):
    intent = settings_services.intent_save(
        intent=Intent(name="gift_cards", description="Gift cards and vouchers"), actor=admin
    )
    settings_services.intent_active_set(intent=intent, active=False, actor=admin)
    topic = settings_services.topic_save(topic=SensitiveTopic(phrase="lawyer"), actor=admin)
    settings_services.topic_delete(topic=topic, actor=admin)
    assert _entry("intent.created").after["name"] == "gift_cards"
    assert _entry("intent.updated").after == {"active": False}
    assert _entry("topic.deleted").before == {"phrase": "lawyer"}


def test_hours_sla_policy_and_capacity(admin):
    team = TeamFactory(name="Billing")
    business_hours_set(team=team, timezone="Europe/Berlin", weekly={"0": [["09:00", "17:00"]]},
                       holidays=[date(2026, 12, 25)], actor=admin)  # fmt: skip
    assert _entry("team.hours").after["holidays"] == ["2026-12-25"]
    policy = sla_policy_save(policy=SlaPolicy(name="Gold", first_response_minutes=15), actor=admin)
    policy.first_response_minutes = 10
    sla_policy_save(policy=policy, actor=admin)
    assert _entry("sla.updated").before["first_response_minutes"] == 15
    other = "round_robin" if team.assignment_policy == "least_loaded" else "least_loaded"
    team_policy_set(team=team, policy=other, actor=admin)
    assert _entry("team.policy").after == {"policy": other}
    agent = AgentFactory(capacity=8)
    agent_capacity_set(agent=agent, capacity=3, actor=admin)
    assert _entry("agent.capacity").before == {"capacity": 8}
