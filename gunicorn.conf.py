"""Gunicorn settings: no access log, and no times or addresses in the error log, ever;
each worker starts reading the dashboard's counts once it has loaded the app.

Respondent requests must leave no trace of who sent them or when (docs/privacy.md §2):
gunicorn's access log records client addresses, its error log stamps each line with
the second it was written, and it names the sender of a malformed request
("Invalid request from ip=...").
"""

import logging
import re

from gunicorn.glogging import Logger

# IPv4 and IPv6 addresses, as docs/privacy.md §2's canary scan looks for them.
ADDRESS = re.compile(
    r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])"
    r"|(?i:(?<![0-9a-f:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"
    r"|[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*::(?:[0-9a-f]{1,4})?|::1)(?![0-9a-f:]))"
)


class ScrubAddresses(logging.Filter):
    """Replaces every address in a log line with "[address]" before it is written."""

    def filter(self, record):
        """Rewrite the finished message, so no argument can bring an address back."""
        record.msg = ADDRESS.sub("[address]", record.getMessage())
        record.args = None
        return True


class TimelessLogger(Logger):
    """Gunicorn's logger without timestamps or addresses, and with no access log."""

    error_fmt = "[%(levelname)s] %(message)s"
    datefmt = ""

    def setup(self, cfg):
        """Gunicorn's own set-up, then the address filter on its error log."""
        super().setup(cfg)
        self.error_log.addFilter(ScrubAddresses())

    def access(self, resp, req, environ, request_time):
        """Never log a request."""


logger_class = TimelessLogger
accesslog = None
disable_redirect_access_to_syslog = True
errorlog = "-"
loglevel = "warning"


def post_worker_init(worker):
    """Start reading the dashboard's counts, so its first visitor need not wait."""
    # Not every app served with these settings has a dashboard: bench/submissions.py
    # serves its bare baseline (bench/bare_app.py) with them too.
    if "dashboard" not in getattr(worker.wsgi, "blueprints", {}):
        return
    from survey.dashboard import figures

    figures.warm_up(worker.wsgi)
