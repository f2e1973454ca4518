import os
import sys
import threading

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_POOL", "true")  # web processes pool their PostgreSQL connections (settings.py)
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402

from config.websockets import public_websocket_urlpatterns, websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter(
            [
                *public_websocket_urlpatterns,
                re_path(r"", AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))),
            ]
        ),
    }
)

# A web process serves the copilot, whose retrieval uses the decision heads: load the sentence encoder
# and the heads in the background now, so the first agent to ask for a draft does not wait for them.
# Not when pytest imports this module for in-process socket tests (their database is the test's).
if "pytest" not in sys.modules:
    from agents.warmup import retrieval_warm

    threading.Thread(target=retrieval_warm, name="retrieval-warm-up", daemon=True).start()
