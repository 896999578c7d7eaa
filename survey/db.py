"""One database connection per request, opened on first use and closed at teardown."""

from flask import current_app, g
from sqlite_utils import Database

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


def init_app(app) -> None:
    """Close connections at the end of every request."""
    app.teardown_appcontext(close_db)
