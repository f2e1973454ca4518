from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inbox.audit.services import audit_record
from inbox.qa.models import CompliancePhrase, QaFlag


def qa_flag_acknowledge(*, flag: QaFlag, actor: AbstractBaseUser, note: str = "") -> QaFlag:
    if flag.acknowledged_at:
        raise ValidationError("This flag was acknowledged already")
    flag.acknowledged_by = actor
    flag.acknowledged_at = timezone.now()
    flag.note = note.strip()[:2000]
    flag.save(update_fields=["acknowledged_by", "acknowledged_at", "note"])
    return flag


@transaction.atomic
def compliance_phrase_add(*, phrase: str, label: str, said_by: str, actor: AbstractBaseUser) -> CompliancePhrase:
    phrase, label = phrase.strip(), label.strip()
    if not phrase or not label or said_by not in CompliancePhrase.Who.values:
        raise ValidationError("A phrase needs the words, what they mean and who says them")
    item = CompliancePhrase.objects.create(phrase=phrase[:200], label=label[:100], said_by=said_by)
    audit_record(actor=actor, action="qa.phrase_added", target=item, after={"phrase": item.phrase, "label": item.label})
    return item


@transaction.atomic
def compliance_phrase_remove(*, item: CompliancePhrase, actor: AbstractBaseUser) -> None:
    audit_record(
        actor=actor, action="qa.phrase_removed", target=item, before={"phrase": item.phrase, "label": item.label}
    )
    item.delete()
