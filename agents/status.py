"""Is the AI usable right now, and what should the UI call the model?"""

from agents import localmodel
from agents.ai_config import ai_config


def ai_status() -> dict:
    """{"ready", "label", "message", "local"}: with the local demo model, its start-up progress."""
    config = ai_config()
    if not config.local:
        return {"ready": True, "label": config.chat_model, "message": "", "local": False}
    status = localmodel.status_read()
    state = status.get("state")
    label = localmodel.LABEL
    if state == "ready":
        return {"ready": True, "label": label, "message": "", "local": True}
    if state == "building":
        message = f"Local model not ready yet: building ({status.get('percent', 0)}%)"
    elif state in ("installed", "starting"):  # installed: assembled, the server not started yet
        message = "Local model not ready yet: starting"
    elif state == "failed":
        message = f"Local model failed: {status.get('error', 'unknown error')[-200:]}"
    else:
        message = "Local model not ready yet: not started (run `make run`)"
    return {"ready": False, "label": label, "message": message, "local": True, "status": status}
