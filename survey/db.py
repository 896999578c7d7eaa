"""One database connection per request, opened on first use and closed at teardown."""

import sqlite3

from flask import current_app, g
from sqlite_utils import Database
from werkzeug.exceptions import ServiceUnavailable

from survey import storage


def get_db() -> Database:
    """The request's connection to the configured database."""
    if "db" not in g:
        config = current_app.config
        g.db = storage.connect(config["DATABASE"], config["DATABASE_BUSY_TIMEOUT_MS"])
    return g.db


def close_db(_error: BaseException | None = None) -> None:
    """Close the request's connection, if it opened one."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def unavailable(error: sqlite3.DatabaseError):
    """A page the database failed on: the 503 page in its own words, not a 500.

    On a full disk even opening the connection fails (docs/privacy.md §6), so the
    public results fail as much as a submission. The respondent pages have their own
    handler, which keeps every answer (survey.respond). Only SQLite's words are logged.
    """
    current_app.logger.warning("the database failed (%s): a page was not shown", error)
    # The app's own handler of HTTP errors picks the respondent's or staff's page.
    return current_app.handle_http_exception(ServiceUnavailable())


def init_app(app) -> None:
    """Close connections at the end of every request; a database failure is a 503."""
    app.teardown_appcontext(close_db)
    app.register_error_handler(sqlite3.DatabaseError, unavailable)
