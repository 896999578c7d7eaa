"""Server-side sessions for staff: the cookie holds a random id, the database the rest.

Only staff pages (under /staff and /dashboard) read or write a session. Anywhere else,
the survey above all, the cookie is ignored: no session is loaded, extended or set.
"""

from __future__ import annotations

import time

from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from survey import accounts
from survey.db import get_db

STAFF_PATHS = ("/staff", "/dashboard")
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

    def begin(self, staff_id: int) -> None:
        """Log a member of staff in under a fresh session id (the old one dies)."""
        self.clear()
        self.staff_id = staff_id
        self.rotate = True
        self.modified = True

    def await_second_step(self, staff_id: int) -> None:
        """The password was right: a fresh session that grants only the second step.

        It names the account in its data, not as the session's staff member, so
        nothing that reads who is logged in sees anyone (survey/staff.py).
        """
        self.clear()
        self.staff_id = None
        self["pending"] = staff_id
        self["pending_since"] = time.time()
        self.rotate = True
        self.modified = True

    def pending_staff_id(self) -> int | None:
        """The account whose password was right, if its second step is still due."""
        staff_id = self.get("pending")
        since = self.get("pending_since")
        if not isinstance(staff_id, int) or not isinstance(since, int | float):
            return None
        if self.staff_id is not None or time.time() - since > PENDING_SECONDS:
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
        if not request.path.startswith(STAFF_PATHS):
            return StaffSession()
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > 100:
            return StaffSession()
        idle, absolute = self._limits(app)
        found = accounts.get_session(get_db(), token, time.time(), idle, absolute)
        if found is None:
            return StaffSession()
        return StaffSession(found["data"], token=token, staff_id=found["staff_id"])

    def save_session(self, app, session, response):
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
                accounts.delete_session(db, session.token)
            response.delete_cookie(name, domain=domain, path=path)
            return
        if session.rotate and session.token:
            accounts.delete_session(db, session.token)
            session.token = None
        now = time.time()
        if session.token is None:
            if not session and session.staff_id is None:
                return  # nothing to keep: no cookie at all
            idle, absolute = self._limits(app)
            accounts.delete_stale_sessions(db, now, idle, absolute)
            session.token = accounts.create_session(
                db, session.staff_id, dict(session), now
            )
        else:
            accounts.save_session(db, session.token, dict(session), now)
        response.set_cookie(
            name,
            session.token,
            httponly=True,
            secure=self.get_cookie_secure(app),
            samesite="Strict",
            domain=domain,
            path=path,
        )
