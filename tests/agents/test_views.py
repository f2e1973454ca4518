import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agents.models import AIConversationState, Article, ArticleChunk, IndexJob, Intent, Procedure, SensitiveTopic
from inbox.models import AgentProfile, Channel
from inbox.services import message_receive
from tests.factories import AgentFactory, ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(AgentFactory(user__username="root", role=AgentProfile.Role.ADMIN).user)
    return client


@pytest.fixture
def conversation(db):
    return message_receive(
        channel=Channel.EMAIL, address="maya@example.com", text="hello", name="Maya"
    ).message.conversation


SETTINGS_PAGES = ["settings", "settings_articles", "settings_article_new", "settings_procedures", "settings_intents"]


@pytest.mark.parametrize("name", SETTINGS_PAGES)
def test_settings_pages_are_for_admins_only(agent_client, admin_client, name):
    assert agent_client.get(reverse(f"agents:{name}")).status_code == 403
    assert Client().get(reverse(f"agents:{name}")).status_code == 302
    assert admin_client.get(reverse(f"agents:{name}")).status_code == 200


@pytest.mark.parametrize(
    ("name", "current"),
    [("settings", "AI status"), ("settings_articles", "Knowledge base"), ("settings_article_new", "Knowledge base"),
     ("settings_procedures", "Procedures"), ("settings_intents", "Intents &amp; sensitive topics")],
)  # fmt: skip
def test_ai_settings_pages_sit_in_the_settings_layout(admin_client, name, current):
    # They rendered bare against the window's edge, without the settings navigation.
    page = admin_client.get(reverse(f"agents:{name}")).content.decode()
    assert 'class="settings-nav" aria-label="Settings"' in page and 'class="settings-main"' in page
    assert f'aria-current="page">{current}</a>' in page and "css/settings.css" in page


def test_saving_an_article_embeds_it(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("agents:settings_article_new"),
            {"title": "Opening hours", "body": "We are open 9-17.", "published": "on"},
        )
    assert response.status_code == 302
    article = Article.objects.get(title="Opening hours")
    assert ArticleChunk.objects.filter(article=article).count() == 1
    page = admin_client.get(reverse("agents:settings_articles")).content.decode()
    assert "Opening hours" in page and "up to date" in page


def test_an_invalid_article_is_refused_with_the_reason(admin_client):
    response = admin_client.post(reverse("agents:settings_article_new"), {"title": "", "body": "x"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not Article.objects.exists()


def test_an_admin_deletes_an_article(admin_client):
    article = ArticleFactory()
    admin_client.post(reverse("agents:settings_article_delete", args=[article.pk]))
    assert not Article.objects.filter(pk=article.pk).exists()


def test_importing_a_folder_shows_progress_and_upserts_by_path(admin_client, django_capture_on_commit_callbacks):
    files = [
        SimpleUploadedFile("kb/returns.md", b"# Returns\n\nReturn within 30 days."),
        SimpleUploadedFile("kb/faq.html", b"<html><h1>FAQ &amp; help</h1><p>We ship <b>worldwide</b>.</p></html>"),
        SimpleUploadedFile("kb/logo.png", b"\x89PNG"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("agents:settings_import"), {"files": files}, headers={"HX-Request": "true"}
        )
    page = response.content.decode()
    assert response.status_code == 200 and "<progress" in page and "logo.png: not a .md or .html file" in page
    job = IndexJob.objects.get()
    progress = admin_client.get(reverse("agents:settings_job", args=[job.pk])).content.decode()
    assert 'data-job-state="done"' in progress and 'value="100"' in progress and "2/2" in progress
    assert job.__class__.objects.get().payload == []  # file contents are not kept after the import
    assert set(Article.objects.values_list("title", "source_path")) == {
        ("Returns", "returns.md"),
        ("FAQ & help", "faq.html"),
    }
    assert "We ship worldwide." in Article.objects.get(source_path="faq.html").body

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("agents:settings_import"),
            {"files": [SimpleUploadedFile("kb/returns.md", b"# Returns\n\nReturn within 60 days.")]},
        )
    assert Article.objects.count() == 2
    assert "60 days" in Article.objects.get(source_path="returns.md").body
    assert IndexJob.objects.first().changed == 1


def test_an_import_without_usable_files_is_refused(admin_client):
    response = admin_client.post(reverse("agents:settings_import"), {"files": [SimpleUploadedFile("a.exe", b"MZ")]})
    assert response.status_code == 400 and "No importable files" in response.content.decode()
    assert not IndexJob.objects.exists()


def test_editing_a_procedure_keeps_its_versions(admin_client):
    refund = Intent.objects.get(name="returns")
    url = reverse("agents:settings_procedure_new")
    data = {"name": "Refunds", "intent": refund.pk, "active": "on", "instructions": "Ask for the order number."}
    assert admin_client.post(url, data).status_code == 302
    procedure = Procedure.objects.get()
    edit = reverse("agents:settings_procedure", args=[procedure.pk])
    admin_client.post(edit, {**data, "instructions": "Ask for the order number, then hand off to Billing."})
    admin_client.post(edit, {**data, "instructions": "Ask for the order number, then hand off to Billing."})
    assert list(procedure.versions.values_list("number", flat=True)) == [2, 1]
    assert procedure.current.instructions.endswith("hand off to Billing.")
    page = admin_client.get(edit).content.decode()
    assert "v1" in page and "v2" in page and "Ask for the order number.</pre>" in page


def test_admins_edit_intents_and_sensitive_topics(admin_client):
    url = reverse("agents:settings_intents")
    admin_client.post(url, {"form": "intent", "name": "warranty", "description": "Warranty claims"})
    admin_client.post(url, {"form": "topic", "phrase": "lawyer"})
    assert Intent.objects.filter(name="warranty").exists() and SensitiveTopic.objects.filter(phrase="lawyer").exists()
    response = admin_client.post(url, {"form": "intent", "name": "not a slug!", "description": ""})
    assert response.status_code == 400
    intent = Intent.objects.get(name="warranty")
    admin_client.post(reverse("agents:settings_intent_toggle", args=[intent.pk]))
    intent.refresh_from_db()
    assert not intent.active


def test_the_summary_endpoint_returns_an_escaped_partial(agent_client, conversation, openai_standin):
    openai_standin.script(content="- Customer <b>wants</b> a refund")
    response = agent_client.post(reverse("agents:summary", args=[conversation.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "&lt;b&gt;wants&lt;/b&gt;" in html and "<b>" not in html
    assert openai_standin.chat_requests()[0]["body"]["messages"][1]["content"].startswith("Customer (email): hello")


def test_rewrite_translates_into_the_customers_language(agent_client, conversation, openai_standin):
    conversation.messages.update(classification={"language": "es"})
    openai_standin.script(content="Hola Maya")
    response = agent_client.post(
        reverse("agents:rewrite", args=[conversation.pk]), {"text": "Hello Maya", "style": "translate"}
    )
    assert response.status_code == 200 and "Hola Maya" in response.content.decode()
    assert "(es)" in openai_standin.chat_requests()[0]["body"]["messages"][0]["content"]


@pytest.mark.parametrize(
    ("data", "reason"), [({"text": "x", "style": "poem"}, "Unknown rewrite"), ({"style": "shorter"}, "Write something")]
)
def test_bad_rewrite_requests_get_a_reason(agent_client, conversation, data, reason):
    response = agent_client.post(reverse("agents:rewrite", args=[conversation.pk]), data)
    assert response.status_code == 400 and reason in response.content.decode()


def test_a_model_outage_shows_as_an_error_in_the_partial(agent_client, conversation, openai_standin):
    openai_standin.script(status=500)
    response = agent_client.post(reverse("agents:summary", args=[conversation.pk]))
    assert response.status_code == 502 and "data-copilot-error" in response.content.decode()


def test_copilot_endpoints_are_for_agents_only(conversation):
    outsider = Client()
    outsider.force_login(UserFactory())
    for name in ["summary", "rewrite", "typing"]:
        assert outsider.post(reverse(f"agents:{name}", args=[conversation.pk])).status_code == 403
    assert outsider.get(reverse("agents:copilot_page", args=[conversation.pk])).status_code == 403


def test_the_typing_endpoint_marks_the_conversation(agent_client, conversation):
    assert agent_client.post(reverse("agents:typing", args=[conversation.pk])).status_code == 204
    assert AIConversationState.objects.get(conversation=conversation).human_typing_until is not None


def test_cited_articles_render_sanitised_markdown(agent_client):
    article = ArticleFactory(title="Returns", body="# Returns\n\n**30 days**<script>alert(1)</script>")
    html = agent_client.get(reverse("agents:article_public", args=[article.pk])).content.decode()
    assert "<strong>30 days</strong>" in html and "<script>alert" not in html
    hidden = ArticleFactory(published=False)
    assert agent_client.get(reverse("agents:article_public", args=[hidden.pk])).status_code == 404


def test_the_status_badge_labels_the_local_demo_model(agent_client, settings, tmp_path, monkeypatch):
    from agents import localmodel

    settings.AI_LOCAL_MODEL = True
    monkeypatch.setattr(localmodel, "STATUS_FILE", tmp_path / "s.json")
    localmodel._write(state="building", percent=37)
    html = agent_client.get(reverse("agents:status")).content.decode()
    assert "small local demo model" in html and "Local model not ready yet: building (37%)" in html
    localmodel._write(state="ready")
    html = agent_client.get(reverse("agents:status")).content.decode()
    assert "small local demo model" in html and "not ready" not in html


def test_settings_lists_run_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    from agents.procedures import procedure_save

    def load(n):
        for i in range(n):
            ArticleFactory()
            procedure = Procedure.objects.create(name=f"P{n}-{i}")
            procedure_save(procedure=procedure, instructions="one")
            procedure_save(procedure=procedure, instructions="two")

    load(2)
    with django_assert_max_num_queries(20) as few:
        admin_client.get(reverse("agents:settings_articles"))
        admin_client.get(reverse("agents:settings_procedures"))
    load(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("agents:settings_articles"))
        admin_client.get(reverse("agents:settings_procedures"))


def test_a_running_job_keeps_polling_and_a_finished_one_stops(admin_client):
    job = IndexJob.objects.create(kind=IndexJob.Kind.REINDEX, state=IndexJob.State.RUNNING, total=4, done=1)
    html = admin_client.get(reverse("agents:settings_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html and 'value="25"' in html and "1/4" in html
    IndexJob.objects.filter(pk=job.pk).update(state=IndexJob.State.DONE, done=4)
    html = admin_client.get(reverse("agents:settings_job", args=[job.pk])).content.decode()
    assert "hx-trigger" not in html and 'value="100"' in html
