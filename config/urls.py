from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from inbox.api.views import api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("inbox.api.urls")),
    re_path(r"^api/(?P<path>.*)$", api_not_found, name="api_not_found"),  # another version or none: JSON 404
    path("settings/integrations/", include("inbox.api.settings_urls")),
    path("metrics/", include("inbox.metrics.urls")),
    path("csat/", include("inbox.csat.urls")),
    path("qa/", include("inbox.qa.urls")),
    path("settings/audit/", include("inbox.audit.urls")),
    path("settings/people/", include("inbox.people.urls")),
    path("team/", include("inbox.team_queue.urls")),
    path("", include("agents.urls")),  # before settings/: it serves settings/ai/
    path("settings/", include("inbox.settings_area.urls")),
    # Password reset (and change) pages; login/logout above keep their own options.
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("inbox.urls")),
    path("", include("channels_app.twilio.urls")),
    path("", include("channels_app.simulator.urls")),
]

handler403 = "inbox.forbidden.permission_denied"  # every 403 says why
