"""Blueprint "two_factor": the second step of signing in, enrolment, recovery codes
and an admin's reset of a colleague's second factor (docs/privacy.md §4).

After the right password (staff.login) the session is "pending": it names the account
but grants nothing except the pages here marked @public, which check it themselves.
"""

from __future__ import annotations

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from survey import accounts, audit_log, clock, sessions
from survey.auth import audit, form_page, public, requires
from survey.db import get_db

bp = Blueprint("two_factor", __name__, url_prefix="/staff")

WRONG_CODE = (
    "The code is not right, or has been used already, or the account cannot be used "
    "just now. Try the newest code from your app, or one of your recovery codes."
)
WRONG_FIRST_CODE = (
    "The code is not right. Check the time on your phone is set automatically, and "
    "enter the newest code your app shows."
)


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(
        "Code",
        widget=GovTextInput(),
        description="The 6-digit code your authenticator app shows, "
        "or one of your recovery codes.",
        validators=[InputRequired("Enter the code"), Length(max=64)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class EnrolForm(FlaskForm):
    """The first code from the app just set up, to show it works."""

    code = StringField(
        "Code from your app",
        widget=GovTextInput(),
        description="The 6-digit code your app shows for this account.",
        validators=[InputRequired("Enter the code your app shows"), Length(max=64)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class NewCodesForm(FlaskForm):
    """The button that makes new recovery codes, with the CSRF token."""

    submit = SubmitField("Make new recovery codes", widget=GovSubmitInput())


class ResetForm(FlaskForm):
    """The button that confirms an admin's reset, with the CSRF token."""

    submit = SubmitField("Reset the second factor", widget=GovSubmitInput())


def _pending_account() -> dict | None:
    """The account half signed in by this session (its password right), or None."""
    staff_id = sessions.current().pending_staff_id()
    if staff_id is None:
        return None
    found = accounts.get_staff(get_db(), staff_id)
    if found is None or found["disabled"]:
        return None
    return found


def _elsewhere():
    """Where someone who has no second step due goes: home, or the password step."""
    if g.staff is not None:
        return redirect(url_for("staff.home"))
    return redirect(url_for("staff.login"))


def _signed_in(found: dict, how: str) -> None:
    """Finish signing in: a new session id for the account, and the audit entry."""
    sessions.current().begin(found["id"])
    g.staff = found
    audit("logged in", how)


@bp.route("/login/code", methods=["GET", "POST"])
@public
def second_step():
    """The second step: a code from the authenticator app, or a recovery code."""
    found = _pending_account()
    if found is None:
        return _elsewhere()
    if not found["totp_secret"]:
        return redirect(url_for("two_factor.enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        db = get_db()
        passed = accounts.check_second_factor(
            db, found["id"], form.code.data, clock.now()
        )
        if passed:
            _signed_in(found, f"with a {passed}")
            return redirect(url_for("staff.home"), 303)
        audit_log.record(db, found["email"], "failed second step")
        form.code.errors.append(WRONG_CODE)
    return form_page("staff/second_step.html", form)


def qr_data_uri(text: str) -> str:
    """A QR code of the text as a PNG data: address (the CSP allows data: images)."""
    return segno.make(text, error="m").png_data_uri(scale=5, border=4)


def _grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
def enrol():
    """Set up the second factor, at the first sign-in or after an admin's reset.

    The new secret waits in the pending session until a code made from it comes back
    right; only then is it kept, and the recovery codes shown, once.
    """
    found = _pending_account()
    if found is None:
        return _elsewhere()
    if found["totp_secret"]:
        return redirect(url_for("two_factor.second_step"))
    secret = session.get("enrol_secret")
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session["enrol_secret"] = accounts.new_totp_secret()
    form = EnrolForm()
    if form.validate_on_submit():
        db = get_db()
        codes = accounts.enrol_second_factor(
            db, found["id"], secret, form.code.data, clock.now()
        )
        if codes:
            _signed_in(found, "with a new second factor")
            audit("set up a second factor")
            return render_template("staff/recovery_codes.html", codes=codes, new=True)
        audit_log.record(db, found["email"], "failed second step", "setting it up")
        form.code.errors.append(WRONG_FIRST_CODE)
    uri = accounts.totp_uri(secret, found["email"], current_app.config["SERVICE_NAME"])
    return form_page(
        "staff/enrol.html",
        form,
        qr=qr_data_uri(uri),
        secret=_grouped(secret),
        email=found["email"],
    )


@bp.route("/recovery-codes", methods=["GET", "POST"])
@requires(*accounts.ROLES)
def recovery_codes():
    """How many of one's own recovery codes are left, and a form to make new ones."""
    db = get_db()
    form = NewCodesForm()
    if form.validate_on_submit():
        codes = accounts.regenerate_recovery_codes(db, g.staff["id"])
        audit("made new recovery codes")
        return render_template("staff/recovery_codes.html", codes=codes, new=False)
    left = accounts.count_recovery_codes(db, g.staff["id"])
    return form_page("staff/recovery_codes_new.html", form, left=left)


# An id past SQLite's largest integer is no account: 404, not an overflow (a 500).
@bp.route(
    "/users/<int(max=9223372036854775807):staff_id>/two-factor",
    methods=["GET", "POST"],
)
@requires("admin")
def reset(staff_id):
    """Reset a colleague's second factor, once confirmed: they set it up again."""
    db = get_db()
    found = accounts.get_staff(db, staff_id)
    if found is None:
        abort(404)
    form = ResetForm()
    if form.validate_on_submit():
        accounts.reset_second_factor(db, staff_id)
        audit("reset a second factor", found["email"])
        if staff_id == g.staff["id"]:
            sessions.current().end()  # their own: signed out, to set it up at once
            return redirect(url_for("staff.login"), 303)
        return redirect(url_for("admin.account", staff_id=staff_id), 303)
    return form_page("staff/two_factor_reset.html", form, account=found)
