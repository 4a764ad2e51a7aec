"""Log filters used by ``LOGGING`` in settings."""

from __future__ import annotations

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A refused request (Django logs a 403, a 400 with the exception attached) is written as one line.

    The traceback of a ``PermissionDenied`` says nothing the message does not; a hostile user could fill the log
    with them. The line keeps the path and adds the exception's own text. Server errors (5xx) keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and isinstance(status, int) and 400 <= status < 500:
            exception = record.exc_info[1]
            detail = " ".join(str(exception).split()) if exception is not None else ""
            record.msg = record.getMessage() + (f" ({detail})" if detail else "")
            record.args = None
            record.exc_info = record.exc_text = None
        return True
