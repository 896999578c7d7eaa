"""Gunicorn settings: no access log and no times in the error log, ever; each worker
starts reading the dashboard's counts once it has loaded the app.

Respondent requests must leave no trace of who sent them or when (docs/privacy.md §2):
gunicorn's access log records client addresses, and its error log stamps each line
with the second it was written.
"""

from gunicorn.glogging import Logger


class TimelessLogger(Logger):
    """Gunicorn's logger without timestamps, and with the access log switched off."""

    error_fmt = "[%(levelname)s] %(message)s"
    datefmt = ""

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
