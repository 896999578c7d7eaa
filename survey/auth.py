"""Signing in, as staff views use it: who is logged in, who may use a view, and
writing what they do to the audit log. The sign-in pages are survey/staff.py and
survey/two_factor.py; sessions are survey/sessions.py.

Every staff view declares who may use it with @requires(...), or @public; the access
test reads those declarations from the URL map, so a new route without one fails it.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, cast

from flask import (
    abort,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from survey import accounts
from survey.audit_log import record
from survey.db import get_db

if TYPE_CHECKING:  # survey.sessions imports this module
    from survey.sessions import StaffSession

# Where staff pages live: only they read the staff session, and their errors get the
# staff error page.
STAFF_PATHS = ("/staff", "/dashboard")


def under(path: str, prefixes: tuple[str, ...]) -> bool:
    """Whether a path is one of the prefixes or below one (/staff/x, not /staffing)."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


def is_staff_path(path: str) -> bool:
    """Whether a path is a staff page's (under /staff or /dashboard)."""
    return under(path, STAFF_PATHS)


def requires(*roles: str):
    """Only logged-in staff with one of these roles may use the view."""

    def decorator(view):
        @wraps(view)
        def wrapped(**kwargs):
            if g.staff is None:
                # Half signed in (the password only): every page leads to the second
                # step and shows nothing else (survey/two_factor.py).
                if session.pending_staff_id() is not None:
                    return redirect(url_for("two_factor.second_step"))
                return redirect(url_for("staff.login"))
            if g.staff["role"] not in roles:
                abort(403)
            return view(**kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


def public(view):
    """Anyone may use the view (logging in, for instance)."""
    view.allowed_roles = None
    return view


def load_staff() -> None:
    """Who is logged in, on staff pages only, from the server-side session; disabled
    accounts are not. Elsewhere nobody is: the survey never reads a staff session."""
    g.staff = None
    if not has_request_context() or not is_staff_path(request.path):
        return
    staff_id = getattr(session, "staff_id", None)
    if staff_id is not None:
        staff = accounts.get_staff(get_db(), staff_id)
        if staff is None or staff["disabled"]:
            cast("StaffSession", session).end()
        else:
            g.staff = staff


def form_page(template: str, form, **context):
    """A page with a form: status 400 when the form came back with errors."""
    return render_template(template, form=form, **context), 400 if form.errors else 200


def audit(action: str, detail: str = "") -> None:
    """Write what the logged-in member of staff did to the audit log."""
    email = g.staff["email"] if g.get("staff") else None
    record(get_db(), email, action, detail)
