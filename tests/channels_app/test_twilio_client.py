from channels_app.twilio.client import twilio_client


def test_the_client_always_has_a_timeout_and_uses_the_configured_base_url(settings):
    settings.TWILIO_HTTP_TIMEOUT = 7.5
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:8791"
    client = twilio_client()
    assert client.http_client.timeout == 7.5
    assert client.api.base_url == "http://127.0.0.1:8791"


def test_real_twilio_keeps_the_sdks_own_url(settings):
    settings.TWILIO_API_BASE_URL = "https://api.twilio.com"
    assert twilio_client().api.base_url == "https://api.twilio.com"
