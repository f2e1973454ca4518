from tests.channels_app.twilio_helpers import standin, twilio_settings  # noqa: F401 - fixtures
