"""Writes to the labelled examples: an admin's phrase, a phrase removed, a conversation taught.

Teaching is how the product gets better per site: an agent marks a misrouted conversation
("should have been a person: sensitive topic") and the customer's message becomes an example
of that label, so the next similar message is decided right. Every write is audited.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agents.examples import HUMAN_REASONS, ROUTINE, SIGNALS
from agents.language import language_detect
from agents.models import Example, Intent
from inbox.audit.services import audit_record
from inbox.models import Message

TEXT_MAX = 1000


def _snapshot(example: Example) -> dict:
    return {"kind": example.kind, "label": example.label, "text": example.text[:200], "source": example.source}


def example_add(
    *,
    kind: str,
    label: str,
    text: str,
    actor: AbstractBaseUser | None,
    source: str = Example.Source.ADMIN,
    message: Message | None = None,
) -> Example:
    """Store one example, or ValidationError with a reason an admin can act on."""
    text = " ".join((text or "").split())[:TEXT_MAX]
    if not text:
        raise ValidationError("Write the example phrase")
    if kind == Example.Kind.INTENT and not Intent.objects.filter(name=label).exists():
        raise ValidationError(f"There is no intent named {label!r}")
    if kind == Example.Kind.SIGNAL and label not in SIGNALS:
        raise ValidationError(f"A reason is one of {', '.join(SIGNALS)}")
    if kind not in Example.Kind.values:
        raise ValidationError("An example is of an intent or of a reason")
    example = Example(
        kind=kind,
        label=label,
        text=text,
        language=language_detect(text)[0],
        source=source,
        conversation_id=message.conversation_id if message else None,
        created_by=actor if actor and actor.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            example.save()
            audit_record(actor=actor, action="example.created", target=example, after=_snapshot(example))
    except IntegrityError:
        raise ValidationError(f"That phrase is already an example of {label}") from None
    return example


def example_delete(*, example: Example, actor: AbstractBaseUser) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="example.deleted", target=example, before=_snapshot(example))
        example.delete()


def message_teach(*, message: Message, verdict: str, actor: AbstractBaseUser) -> Example:
    """Turn a misdecided customer message into an example of what it should have been.

    ``verdict`` is "human:<reason>" (one of the human reasons) or "ai:<intent>" (a routine
    question of that intent; "ai:" alone keeps the intent the decision found).
    """
    if message.direction != Message.Direction.INBOUND:
        raise ValidationError("Only a customer's message can be taught")
    owner, _, label = verdict.partition(":")
    if owner == "human":
        if label not in HUMAN_REASONS:
            raise ValidationError(f"Say which reason: {', '.join(HUMAN_REASONS)}")
        kind = Example.Kind.SIGNAL
    elif owner == "ai":
        label = label or (message.classification or {}).get("intent", "")
        if not label or label == ROUTINE:
            raise ValidationError("Say which intent the question is")
        kind = Example.Kind.INTENT
    else:
        raise ValidationError("Say whether the AI or a person should have owned it")
    return example_add(
        kind=kind, label=label, text=message.text, actor=actor, source=Example.Source.TAUGHT, message=message
    )
