"""Server-side sessions for staff: the cookie holds a random id, the database the rest.

Only staff pages (under /staff and /dashboard) read or write a session. Anywhere else,
the survey above all, the cookie is ignored: no session is loaded, extended or set.
"""

from __future__ import annotations

import sqlite3
from typing import cast

from flask import abort, session
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict
from werkzeug.exceptions import ServiceUnavailable

from survey import auth, clock, session_store
from survey.db import get_db

# How long the password step is good for: the second step must follow within it.
PENDING_SECONDS = 10 * 60


class StaffSession(CallbackDict, SessionMixin):
    """A session's data, its id (None until stored) and what to do with it."""

    def __init__(self, data=None, token=None, staff_id=None):
        def changed(_self):
            self.modified = True

        super().__init__(data or {}, changed)
        self.token = token
        self.staff_id = staff_id
        self.modified = False
        self.rotate = False  # a new id is due (at login)
        self.ended = False  # delete it (at logout)
        self.unavailable = False  # the database could not be read for it

    def begin(self, staff_id: int) -> None:
        """Log a member of staff in under a fresh session id (the old one dies)."""
        self.clear()
        self.staff_id = staff_id
        self.rotate = True
        self.modified = True

    def await_second_step(self, staff_id: int) -> None:
        """The password was right: a fresh session that grants only the second step.

        It names the account in its data, not as the session's staff member, so
        nothing that reads who is logged in sees anyone (survey/auth.py).
        """
        self.clear()
        self.staff_id = None
        self["pending"] = staff_id
        self["pending_since"] = clock.now()
        self.rotate = True
        self.modified = True

    def pending_staff_id(self) -> int | None:
        """The account whose password was right, if its second step is still due."""
        staff_id = self.get("pending")
        since = self.get("pending_since")
        if not isinstance(staff_id, int) or not isinstance(since, int | float):
            return None
        if self.staff_id is not None or clock.now() - since > PENDING_SECONDS:
            return None
        return staff_id

    def end(self) -> None:
        """Log out: the session is deleted, and its id refused from now on."""
        self.clear()
        self.ended = True


class DatabaseSessionInterface(SessionInterface):
    """Flask sessions kept in the survey database's sessions table."""

    def _limits(self, app):
        return app.config["STAFF_IDLE_MINUTES"] * 60, app.config[
            "STAFF_ABSOLUTE_HOURS"
        ] * 3600

    def open_session(self, app, request):
        """The live session named by the cookie, or a new empty one."""
        if not auth.is_staff_path(request.path):
            return StaffSession()
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > 100:
            return StaffSession()
        idle, absolute = self._limits(app)
        try:
            found = session_store.get_session(
                get_db(), token, clock.now(), idle, absolute
            )
        except sqlite3.Error as error:
            # Read before any page runs, so no error handler would see this: the page
            # itself refuses (refuse_without_session) with the staff 503 page.
            app.logger.warning("could not read a staff session (%s)", error)
            unread = StaffSession()
            unread.unavailable = True
            return unread
        if found is None:
            return StaffSession()
        return StaffSession(found["data"], token=token, staff_id=found["staff_id"])

    def save_session(self, app, session, response):
        """Store the session and set its cookie; a 503 page if the database fails.

        Saved after the page was made, where no error handler runs: a failure here
        turns the page made into the staff 503 page, rather than a 500 or a page
        that says a sign-in worked when it was never stored (docs/privacy.md §6).
        """
        try:
            self._save(app, session, response)
        except sqlite3.Error as error:
            app.logger.warning("could not store a staff session (%s)", error)
            failed = app.make_response(app.handle_http_exception(ServiceUnavailable()))
            response.set_data(failed.get_data())
            response.status_code = failed.status_code
            response.headers.pop("Location", None)
            response.headers.pop("Set-Cookie", None)
            response.headers.pop("Content-Disposition", None)
            response.headers["Content-Type"] = failed.headers["Content-Type"]

    def _save(self, app, session, response):
        """Store the session and set, renew or delete its cookie."""
        name, domain, path = (
            self.get_cookie_name(app),
            self.get_cookie_domain(app),
            self.get_cookie_path(app),
        )
        stored = session.token or session or session.ended or session.rotate
        db = get_db() if stored else None
        if session.ended:
            if session.token:
                session_store.delete_session(db, session.token)
            response.delete_cookie(name, domain=domain, path=path)
            return
        if session.rotate and session.token:
            session_store.delete_session(db, session.token)
            session.token = None
        now = clock.now()
        if session.token is None:
            if not session and session.staff_id is None:
                return  # nothing to keep: no cookie at all
            idle, absolute = self._limits(app)
            session_store.delete_stale_sessions(db, now, idle, absolute)
            session.token = session_store.create_session(
                db, session.staff_id, dict(session), now
            )
        else:
            session_store.save_session(db, session.token, dict(session), now)
        response.set_cookie(
            name,
            session.token,
            httponly=True,
            secure=self.get_cookie_secure(app),
            samesite="Strict",
            domain=domain,
            path=path,
        )


def current() -> StaffSession:
    """The request's staff session (this interface's, typed as it is)."""
    return cast(StaffSession, session)


def refuse_without_session() -> None:
    """The staff 503 page for a request whose session could not be read."""
    if getattr(session, "unavailable", False):
        abort(503)
