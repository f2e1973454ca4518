from django.urls import path

from inbox.settings_area import views

app_name = "settings"
urlpatterns = [
    path("", views.settings_home, name="home"),
    path("rules/", views.rules_list, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/new/replay/", views.rule_replay, name="rule_new_replay"),
    path("rules/test/", views.rules_tester, name="tester"),
    path("rules/audit/", views.audit_log, name="audit"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/replay/", views.rule_replay, name="rule_replay"),
    path("rules/<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/move/<str:direction>/", views.rule_move_view, name="rule_move"),
    path("rules/<int:pk>/delete/", views.rule_delete_view, name="rule_delete"),
    path("rules/<int:pk>/history/", views.rule_history, name="rule_history"),
    path("teams/", views.teams, name="teams"),
    path("hours/", views.hours, name="hours"),
    path("hours/<int:team_id>/", views.hours, name="hours_team"),
    path("sla/", views.sla_policies, name="sla"),
    path("sla/<int:pk>/", views.sla_policies, name="sla_edit"),
]
