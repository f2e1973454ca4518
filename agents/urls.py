from django.urls import path

from agents import decision_views, example_views, settings_views, views

app_name = "agents"
urlpatterns = [
    path("ai/status/", views.status_badge, name="status"),
    path("ai/articles/<int:pk>/", views.article_public, name="article_public"),
    path("ai/conversations/<int:pk>/copilot/", views.copilot_page, name="copilot_page"),
    path("ai/conversations/<int:pk>/summary/", views.summary, name="summary"),
    path("ai/conversations/<int:pk>/rewrite/", views.rewrite, name="rewrite"),
    path("ai/conversations/<int:pk>/typing/", views.typing, name="typing"),
    path("ai/conversations/<int:pk>/decision/", decision_views.decision_panel, name="decision"),
    path("ai/conversations/<int:pk>/decision/teach/", decision_views.decision_teach, name="decision_teach"),
    path("settings/ai/", settings_views.overview, name="settings"),
    path("settings/ai/articles/", settings_views.article_list, name="settings_articles"),
    path("settings/ai/articles/new/", settings_views.article_edit, name="settings_article_new"),
    path("settings/ai/articles/<int:pk>/", settings_views.article_edit, name="settings_article"),
    path("settings/ai/articles/<int:pk>/delete/", settings_views.article_delete, name="settings_article_delete"),
    path("settings/ai/articles/import/", settings_views.article_import, name="settings_import"),
    path("settings/ai/reindex/", settings_views.reindex, name="settings_reindex"),
    path("settings/ai/jobs/<int:pk>/", settings_views.job_progress, name="settings_job"),
    path("settings/ai/procedures/", settings_views.procedure_list, name="settings_procedures"),
    path("settings/ai/procedures/new/", settings_views.procedure_edit, name="settings_procedure_new"),
    path("settings/ai/procedures/<int:pk>/", settings_views.procedure_edit, name="settings_procedure"),
    path("settings/ai/intents/", settings_views.intent_list, name="settings_intents"),
    path("settings/ai/examples/", example_views.example_list, name="settings_examples"),
    path("settings/ai/examples/<int:pk>/delete/", example_views.example_remove, name="settings_example_delete"),
    path("settings/ai/intents/<int:pk>/toggle/", settings_views.intent_toggle, name="settings_intent_toggle"),
    path("settings/ai/topics/<int:pk>/delete/", settings_views.topic_delete, name="settings_topic_delete"),
]
