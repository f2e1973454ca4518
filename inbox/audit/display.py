"""An audit entry's before/after as readable lines, with the people and teams it names by name."""

import json

from django.contrib.auth import get_user_model

from inbox.models import Team

# Snapshot keys that hold a row's id (audit_snapshot stores a relation as its id).
NAMED = {"assignee": get_user_model(), "team": Team}


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(map(str, value)) or "—"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def audit_names(entries) -> dict[tuple[str, int], str]:
    """``{(key, id): "Name (#id)"}`` for every id the entries name: one query per kind of row."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        for values in (entry.before, entry.after):
            for key, value in (values or {}).items() if isinstance(values, dict) else ():
                if key in NAMED and isinstance(value, int):
                    wanted.setdefault(key, set()).add(value)
    names = {}
    for key, ids in wanted.items():
        for row in NAMED[key].objects.filter(pk__in=ids):
            label = (row.get_full_name() or row.get_username()) if hasattr(row, "get_username") else str(row)
            names[key, row.pk] = f"{label} (#{row.pk})"
    return names


def audit_lines(values, names: dict[tuple[str, int], str]) -> list[tuple[str, str]]:
    """``(field, value)`` lines, not a Python dict's repr; ids of people and teams shown by name."""
    if values is None:
        return []
    if not isinstance(values, dict):
        return [("", _value(values))]
    # Only an id can name a person or team; a nested value (a rule's conditions) is shown as JSON.
    return [
        (str(key), names.get((key, value), _value(value)) if isinstance(value, int) else _value(value))
        for key, value in values.items()
    ]
