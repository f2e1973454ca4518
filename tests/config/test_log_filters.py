import logging
import sys

from django.core.exceptions import PermissionDenied

from config.log_filters import RefusalsWithoutTraceback


def _record(exc: Exception) -> logging.LogRecord:
    try:
        raise exc
    except Exception:
        return logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden: /settings/", (),
                                 sys.exc_info())  # fmt: skip


def test_a_refusal_logs_its_line_without_a_traceback():
    record = _record(PermissionDenied("Only admins can change the settings"))
    assert RefusalsWithoutTraceback().filter(record) and record.exc_info is None
    assert logging.Formatter().format(record) == "Forbidden: /settings/"


def test_real_errors_keep_their_traceback():
    record = _record(RuntimeError("boom"))
    assert RefusalsWithoutTraceback().filter(record)
    assert "Traceback" in logging.Formatter().format(record)
