"""Evaluate the ordered rules against one message: which rules match, why, and the decision.

Pure with respect to writes: the tester and replay call ``rules_evaluate`` on unsaved drafts;
inbox/rules/apply.py carries a decision out.

Merging: rules run in order; each matching rule contributes the actions it sets, but an earlier
rule's owner, priority and SLA policy win over a later one's ("first writer wins"); tags add up;
the first auto-reply is used. A matching rule with ``stop`` ends the evaluation. The default
rule matches everything and runs last, filling only what nothing else decided.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from inbox.models import Team
from inbox.models_routing import RoutingRule
from inbox.rules.conditions import RoutingContext, condition_check, condition_describe


@dataclass
class ConditionResult:
    description: str
    matched: bool
    detail: str


@dataclass
class RuleResult:
    rule: RoutingRule
    matched: bool
    conditions: list[ConditionResult]
    skipped: str = ""  # why it was not evaluated ("disabled", "after a stop")


@dataclass
class Decision:
    owner: str = ""  # "", "ai", "team", "agent"
    owner_rule: RoutingRule | None = None
    procedure: str = ""
    team_id: int | None = None
    agent_id: int | None = None
    after_hours: str = "queue"
    priority: int | None = None
    tags: list[str] = field(default_factory=list)
    sla_policy_id: int | None = None
    auto_reply: str = ""
    auto_reply_rule: RoutingRule | None = None
    results: list[RuleResult] = field(default_factory=list)

    @property
    def matched_rules(self) -> list[RoutingRule]:
        return [r.rule for r in self.results if r.matched]

    def why(self, rule: RoutingRule | None = None) -> str:
        """The facts behind a rule's match: "intent=order_status 0.93, business hours closed"."""
        rule = rule or self.owner_rule
        for result in self.results:
            if result.rule is rule and result.matched:
                facts = [c.detail for c in result.conditions if c.matched]
                return ", ".join(facts) if facts else "no conditions (catch-all)"
        return ""

    def summary(self) -> str:
        """One line for tester and replay: "AI (procedure order-status)", "Team Billing"..."""
        return decision_label(self.owner, self.team_id, self.agent_id, self.procedure)


def decision_label(owner: str, team_id: int | None, agent_id: int | None, procedure: str = "") -> str:
    if owner == "ai":
        return f"AI agent{f' (procedure {procedure})' if procedure else ''}"
    if owner == "team":
        team = Team.objects.filter(pk=team_id).first()
        return f"Team {team.name if team else '?'}"
    if owner == "agent":
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=agent_id).first()
        return f"Agent {user.get_full_name() or user.get_username() if user else '?'}"
    return "Unassigned queue"


def rules_active() -> list[RoutingRule]:
    """All rules in evaluation order, the default last; creates the default rule if missing."""
    from inbox.rules.admin import rule_default_ensure

    rule_default_ensure()
    return list(RoutingRule.objects.order_by("is_default", "position", "pk"))


def rules_evaluate(rules: Sequence[RoutingRule], ctx: RoutingContext) -> Decision:
    if ctx.team_ids is None:
        ctx.team_ids = {t.pk: t for t in Team.objects.select_related("hours")}
    decision = Decision()
    stopped = False
    for rule in rules:
        if stopped:
            decision.results.append(RuleResult(rule, False, [], skipped="after a rule that stops"))
            continue
        if not rule.enabled and not rule.is_default:
            decision.results.append(RuleResult(rule, False, [], skipped="disabled"))
            continue
        actions = rule.actions or {}
        default_team = ctx.team_ids.get(actions.get("team_id"))  # for business-hours conditions
        results = []
        for condition in [] if rule.is_default else rule.conditions or []:
            matched, detail = condition_check(condition, ctx, default_team)
            results.append(ConditionResult(condition_describe(condition), matched, detail))
        if rule.is_default or not results:
            matched = True
        elif rule.match == RoutingRule.Match.ANY:
            matched = any(r.matched for r in results)
        else:
            matched = all(r.matched for r in results)
        decision.results.append(RuleResult(rule, matched, results))
        if matched:
            _merge(decision, rule, actions)
            stopped = bool(actions.get("stop", True)) and not rule.is_default
    return decision


def _merge(decision: Decision, rule: RoutingRule, actions: dict) -> None:
    owner = actions.get("owner") or ""
    if owner and not decision.owner:
        decision.owner = owner
        decision.owner_rule = rule
        decision.procedure = actions.get("procedure", "") if owner == "ai" else ""
        decision.team_id = actions.get("team_id")
        decision.agent_id = actions.get("agent_id") if owner == "agent" else None
        decision.after_hours = actions.get("after_hours") or "queue"
    if actions.get("priority") is not None and decision.priority is None:
        decision.priority = int(actions["priority"])
    for tag in actions.get("tags") or []:
        if tag not in decision.tags:
            decision.tags.append(tag)
    if actions.get("sla_policy_id") and decision.sla_policy_id is None:
        decision.sla_policy_id = actions["sla_policy_id"]
    if actions.get("auto_reply") and not decision.auto_reply:
        decision.auto_reply = actions["auto_reply"]
        decision.auto_reply_rule = rule
