"""Changing rules: every write validates, bumps the version and records an audit entry.

Callers check ``is_admin`` first (inbox/access.py); these functions trust the actor.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from inbox.audit.services import audit_record
from inbox.models import AgentProfile, Conversation, Team
from inbox.models_routing import RoutingRule, RuleVersion, SlaPolicy
from inbox.rules.conditions import condition_validate

OWNERS = ("", "ai", "team", "agent")
DEFAULT_RULE_NAME = "Default"


def actions_validate(actions: dict) -> dict:
    """A clean copy of ``actions`` or ValidationError naming what is wrong."""
    owner = actions.get("owner") or ""
    if owner not in OWNERS:
        raise ValidationError(f"Unknown owner {owner!r}")
    clean: dict = {"owner": owner, "stop": bool(actions.get("stop", True))}
    team_id = actions.get("team_id") or None
    if team_id is not None:
        if not Team.objects.filter(pk=team_id).exists():
            raise ValidationError("That team does not exist")
        clean["team_id"] = int(team_id)
    if owner == "team" and team_id is None:
        raise ValidationError("Choose the team that gets the conversation")
    if owner == "ai":
        procedure = str(actions.get("procedure") or "").strip()
        if len(procedure) > 100:
            raise ValidationError("Procedure name is at most 100 characters")
        clean["procedure"] = procedure
    if owner == "agent":
        agent_id = actions.get("agent_id") or None
        if agent_id is None or not AgentProfile.objects.filter(user_id=agent_id).exists():
            raise ValidationError("Choose the agent who gets the conversation")
        clean["agent_id"] = int(agent_id)
    if owner == "team":
        after_hours = actions.get("after_hours") or "queue"
        if after_hours not in ("queue", "ai"):
            raise ValidationError("After hours: queue with an acknowledgement, or give to the AI agent")
        clean["after_hours"] = after_hours
    priority = actions.get("priority")
    if priority not in (None, ""):
        if int(priority) not in Conversation.Priority.values:
            raise ValidationError("Unknown priority")
        clean["priority"] = int(priority)
    tags = actions.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    tags = [t for t in tags if t]
    if any(len(t) > 50 for t in tags):
        raise ValidationError("A tag is at most 50 characters")
    if tags:
        clean["tags"] = tags
    sla = actions.get("sla_policy_id") or None
    if sla is not None:
        if not SlaPolicy.objects.filter(pk=sla).exists():
            raise ValidationError("That SLA policy does not exist")
        clean["sla_policy_id"] = int(sla)
    reply = str(actions.get("auto_reply") or "").strip()
    if len(reply) > 1000:
        raise ValidationError("The auto-reply is at most 1000 characters")
    if reply:
        clean["auto_reply"] = reply
    return clean


def rule_validate(*, name: str, match: str, conditions: list[dict], actions: dict, is_default: bool = False) -> dict:
    errors = []
    if not name.strip():
        errors.append("Give the rule a name")
    if match not in RoutingRule.Match.values:
        errors.append("Match all or any conditions")
    clean_conditions = []
    for condition in conditions:
        try:
            clean_conditions.append(condition_validate(condition))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if not is_default and not clean_conditions:
        errors.append("A rule needs at least one condition (only the default rule matches everything)")
    try:
        clean_actions = actions_validate(actions)
    except ValidationError as exc:
        errors.extend(exc.messages)
        clean_actions = {}
    needs_team = any(c["field"] == "business_hours" and not c.get("team_id") for c in clean_conditions)
    if needs_team and not clean_actions.get("team_id"):
        errors.append("Business hours: choose whose hours (or make the rule assign to a team)")
    if errors:
        raise ValidationError(errors)
    return {"name": name.strip()[:120], "match": match, "conditions": clean_conditions, "actions": clean_actions}


def _record(rule: RoutingRule, change: str, before: dict | None, actor: AbstractBaseUser | None) -> None:
    """The rule's own version history, and the shared audit trail."""
    after = None if change == RuleVersion.Change.DELETED else rule.snapshot()
    audit_record(actor=actor, action=f"rule.{change}", target=rule, before=before, after=after)
    RuleVersion.objects.create(
        rule=rule,
        rule_name=rule.name,
        version=rule.version,
        change=change,
        before=before,
        after=None if change == RuleVersion.Change.DELETED else rule.snapshot(),
        actor=actor if actor and actor.is_authenticated else None,
    )


def rule_default_ensure() -> RoutingRule:
    """The default rule, created (leaving conversations in the unassigned queue) if missing."""
    rule = RoutingRule.objects.filter(is_default=True).first()
    if rule:
        return rule
    try:
        with transaction.atomic():
            rule = RoutingRule.objects.create(
                name=DEFAULT_RULE_NAME, is_default=True, position=0, actions={"owner": "", "stop": True}
            )
            _record(rule, RuleVersion.Change.CREATED, None, None)
    except IntegrityError:  # another worker created it first
        rule = RoutingRule.objects.get(is_default=True)
    return rule


def rule_create(
    *, actor: AbstractBaseUser | None, name: str, match: str, conditions: list, actions: dict
) -> RoutingRule:
    data = rule_validate(name=name, match=match, conditions=conditions, actions=actions)
    with transaction.atomic():
        last = RoutingRule.objects.filter(is_default=False).aggregate(m=Max("position"))["m"]
        rule = RoutingRule.objects.create(**data, position=(last or 0) + 1, updated_by=actor)
        _record(rule, RuleVersion.Change.CREATED, None, actor)
    return rule


def rule_update(
    *, rule: RoutingRule, actor: AbstractBaseUser | None, name: str, match: str, conditions: list, actions: dict
) -> RoutingRule:
    data = rule_validate(name=name, match=match, conditions=conditions, actions=actions, is_default=rule.is_default)
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
        before = rule.snapshot()
        for key, value in data.items():
            setattr(rule, key, value)
        if rule.snapshot() == before:
            return rule
        rule.version += 1
        rule.updated_by = actor
        rule.save()
        _record(rule, RuleVersion.Change.UPDATED, before, actor)
    return rule


def rule_set_enabled(*, rule: RoutingRule, enabled: bool, actor: AbstractBaseUser | None) -> RoutingRule:
    if rule.is_default and not enabled:
        raise ValidationError("The default rule is always on")
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
        if rule.enabled == enabled:
            return rule
        before = rule.snapshot()
        rule.enabled = enabled
        rule.version += 1
        rule.updated_by = actor
        rule.save()
        _record(rule, RuleVersion.Change.ENABLED if enabled else RuleVersion.Change.DISABLED, before, actor)
    return rule


def rule_move(*, rule: RoutingRule, direction: str, actor: AbstractBaseUser | None) -> None:
    """Swap a rule with its neighbour ("up" evaluates it earlier). The default stays last."""
    if rule.is_default:
        raise ValidationError("The default rule always runs last")
    if direction not in ("up", "down"):
        raise ValidationError("Move up or down")
    with transaction.atomic():
        ordered = list(RoutingRule.objects.select_for_update().filter(is_default=False).order_by("position", "pk"))
        index = next(i for i, r in enumerate(ordered) if r.pk == rule.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(ordered):
            return
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered, start=1):
            if item.position != position or item in (ordered[index], ordered[other]):
                before = item.snapshot()
                item.position = position
                if item.pk in (ordered[index].pk, ordered[other].pk):
                    item.version += 1
                    item.updated_by = actor
                    item.save()
                    _record(item, RuleVersion.Change.MOVED, before, actor)
                else:
                    item.save(update_fields=["position"])


def rule_delete(*, rule: RoutingRule, actor: AbstractBaseUser | None) -> None:
    if rule.is_default:
        raise ValidationError("The default rule cannot be deleted")
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
        before = rule.snapshot()
        rule.version += 1
        _record(rule, RuleVersion.Change.DELETED, before, actor)
        rule.delete()


def agent_choices():
    # An integration's user is how an API token acts, not someone to route conversations to.
    return (
        get_user_model()
        .objects.filter(agent__isnull=False, integration__isnull=True)
        .order_by("first_name", "username")
    )
