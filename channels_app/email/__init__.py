"""Email in and out: SMTP through Django's email framework, an aiosmtpd receiver, threading."""
