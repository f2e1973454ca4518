from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox.qa.models import QaFlag


def qa_flag_acknowledge(*, flag: QaFlag, actor: AbstractBaseUser, note: str = "") -> QaFlag:
    if flag.acknowledged_at:
        raise ValidationError("This flag was acknowledged already")
    flag.acknowledged_by = actor
    flag.acknowledged_at = timezone.now()
    flag.note = note.strip()[:2000]
    flag.save(update_fields=["acknowledged_by", "acknowledged_at", "note"])
    return flag
