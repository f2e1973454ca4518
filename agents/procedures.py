"""Writes for admin-authored procedures: every save is a new version; the newest is in force."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from agents.models import Procedure, ProcedureVersion
from inbox.audit.services import audit_record


def procedure_save(
    *, procedure: Procedure, instructions: str, author: AbstractBaseUser | None = None
) -> ProcedureVersion | None:
    """Save ``procedure`` and, when the instructions changed, add a version. Returns the new version."""
    instructions = instructions.strip()
    if not instructions:
        raise ValidationError("A procedure needs instructions")
    with transaction.atomic():
        created = procedure.pk is None
        procedure.save()
        current = procedure.versions.order_by("-number").first()
        if current and current.instructions == instructions:
            return None
        number = (procedure.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ProcedureVersion.objects.create(
            procedure=procedure, number=number, instructions=instructions, author=author
        )
        audit_record(
            actor=author,
            action="procedure.created" if created else "procedure.updated",
            target=procedure,
            before={"version": current.number, "instructions": current.instructions[:1000]} if current else None,
            after={"version": number, "instructions": instructions[:1000], "active": procedure.active},
        )
        return version
