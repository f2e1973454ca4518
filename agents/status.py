"""Is the AI usable right now, and what should the UI call the model?"""

from django.conf import settings

from agents import localmodel


def ai_status() -> dict:
    """{"ready", "label", "message"}: with the local demo model, its build/start progress."""
    if not settings.AI_LOCAL_MODEL:
        return {"ready": True, "label": settings.AI_CHAT_MODEL, "message": "", "local": False}
    status = localmodel.status_read()
    state = status.get("state")
    label = localmodel.LABEL
    if state == "ready":
        return {"ready": True, "label": label, "message": "", "local": True}
    if state == "building":
        message = f"Local model not ready yet: building ({status.get('percent', 0)}%)"
    elif state == "starting":
        message = "Local model not ready yet: starting"
    elif state == "failed":
        message = f"Local model failed: {status.get('error', 'unknown error')[-200:]}"
    else:
        message = "Local model not ready yet: not started (run `make run`)"
    return {"ready": False, "label": label, "message": message, "local": True, "status": status}
