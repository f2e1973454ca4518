"""Hybrid routing rules (not Channels' websocket "routing"): conditions -> actions, in order.

- conditions.py: what a rule can check, validation, explanations
- engine.py: ``rules_evaluate(rules, ctx) -> Decision`` (pure)
- apply.py: ``conversation_route(message=...)`` carries a decision out on a conversation
- admin.py: create/update/enable/move/delete with versions and audit
- replay.py: the tester and the replay of a draft over recent conversations
"""
