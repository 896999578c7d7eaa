"""Blueprint "staff": logging in and out, and the staff home page.

What admins manage (accounts, organisations, the audit log) is survey/admin.py;
every view declares who may use it (survey/auth.py).
"""

from __future__ import annotations

import hmac
import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
)
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import (
    HiddenField,
    PasswordField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length

from survey import accounts, clock
from survey.audit_log import record, tried_email
from survey.auth import audit, form_page, public, requires
from survey.db import get_db

bp = Blueprint("staff", __name__, url_prefix="/staff")

WRONG_LOGIN = (
    "The e-mail address or password is not right, or the account cannot be used just "
    "now. Try again, or ask an administrator."
)


# The login form's double-submit token (LoginForm): a random value in a cookie that
# only the login page receives, and the same value signed in the form.
LOGIN_COOKIE = "staff_login"
LOGIN_SALT = "staff-login-form"
LOGIN_TOKEN_SECONDS = 3600


class LoginForm(FlaskForm):
    """E-mail address and password, with a login token in place of Flask-WTF's.

    Flask-WTF keeps its CSRF token in the session, so every visit to the login page
    would store a session row; the login token is checked against a cookie instead
    (docs/privacy.md §4), and no row is written before someone logs in.
    """

    class Meta:
        csrf = False

    csrf_token = HiddenField()

    email = StringField(
        "E-mail address",
        widget=GovTextInput(),
        validators=[InputRequired("Enter your e-mail address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Enter your password"),
            Length(max=accounts.PASSWORD_MAX),
        ],
    )
    submit = SubmitField("Log in", widget=GovSubmitInput())


@bp.record_once
def _exempt_login_from_session_csrf(state):
    """The login form carries its own token (LoginForm): no session needed to post."""
    state.app.extensions["csrf"].exempt("survey.staff.login")


def _login_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LOGIN_SALT)


def _login_token_ok(form_token: str | None) -> bool:
    """Whether the form's signed token names the random value in this browser's cookie.

    A double-submit check: another site can neither read our cookie nor make a token
    for it without the secret key, and SameSite=Strict keeps the cookie off its posts.
    """
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not form_token:
        return False
    try:
        signed = _login_serializer().loads(form_token, max_age=LOGIN_TOKEN_SECONDS)
    except BadData:
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed, cookie)


def _login_page(form):
    """The login page with a fresh token, and the cookie the token must match."""
    value = request.cookies.get(LOGIN_COOKIE, "")
    if not (32 <= len(value) <= 64 and value.isalnum()):
        value = secrets.token_hex(16)
    form.csrf_token.data = _login_serializer().dumps(value)
    page, status = form_page("staff/login.html", form)
    response = make_response(page, status)
    response.set_cookie(
        LOGIN_COOKIE,
        value,
        max_age=LOGIN_TOKEN_SECONDS,
        httponly=True,
        secure=current_app.session_interface.get_cookie_secure(current_app),
        samesite="Strict",
        path=url_for("staff.login"),
    )
    return response


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """The password step; one message for every failure, so it never says who has an
    account. A right password leads to the second step (survey/two_factor.py), under a
    new session id that grants nothing else."""
    form = LoginForm()
    if request.method == "POST" and not _login_token_ok(form.csrf_token.data):
        form.password.errors = ["The form had expired. Please try again."]
    elif form.validate_on_submit():
        staff = accounts.check_login(
            get_db(), form.email.data, form.password.data, clock.now()
        )
        if staff is not None:
            session.await_second_step(staff["id"])
            return redirect(url_for("two_factor.second_step"), 303)
        record(get_db(), None, "failed login", tried_email(form.email.data))
        form.password.errors.append(WRONG_LOGIN)
    return _login_page(form)


class LogoutForm(FlaskForm):
    """Just the CSRF token."""


@bp.post("/logout")
@requires(*accounts.ROLES)
def logout():
    """Log out: the session is deleted on the server, so its cookie is worth nothing."""
    if not LogoutForm().validate_on_submit():
        abort(400, "The form had expired. Please try again.")
    audit("logged out")
    session.end()
    return redirect(url_for("staff.login"), 303)


@bp.get("/")
@requires(*accounts.ROLES)
def home():
    """Where staff start: what they can do with their role."""
    return render_template("staff/home.html")
