"""Blueprint "admin": what admins manage under /staff: staff accounts, organisations
and the audit log.

Every view declares who may use it (survey/auth.py).
"""

from __future__ import annotations

import sqlite3

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length

from survey import accounts
from survey.audit_log import list_entries
from survey.auth import audit, form_page, requires
from survey.db import get_db

bp = Blueprint("admin", __name__, url_prefix="/staff")


@bp.get("/audit")
@requires("admin")
def audit_log():
    """The latest staff actions, newest first."""
    audit("read the audit log")
    return render_template(
        "staff/audit.html",
        entries=list_entries(get_db()),
    )


class StaffForm(FlaskForm):
    """A new account: e-mail, role, organisation (partners only), password twice."""

    email = StringField(
        "E-mail address",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter an e-mail address"),
            Email("Enter an e-mail address like name@example.org"),
            Length(max=254),
        ],
    )
    role = RadioField(
        "Role",
        widget=GovRadioInput(),
        choices=[SelectChoice(r, r.capitalize()) for r in accounts.ROLES],
        validators=[InputRequired("Choose a role")],
    )
    organisation = SelectField(
        "Organisation (partners only)", widget=GovSelect(), validate_choice=True
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        description=f"At least {accounts.PASSWORD_MIN} characters.",
        validators=[
            InputRequired("Enter a password"),
            Length(
                min=accounts.PASSWORD_MIN,
                max=accounts.PASSWORD_MAX,
                message=f"Use {accounts.PASSWORD_MIN} to "
                f"{accounts.PASSWORD_MAX} characters",
            ),
        ],
    )
    confirm = PasswordField(
        "Password again",
        widget=GovPasswordInput(),
        validators=[EqualTo("password", "The passwords do not match")],
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


def _organisation_choices():
    return [SelectChoice("", "None")] + [
        SelectChoice(str(o["id"]), o["name"])
        for o in accounts.list_organisations(get_db())
    ]


@bp.route("/users", methods=["GET", "POST"])
@requires("admin")
def users():
    """Staff accounts, and a form to create one."""
    if request.method == "GET":
        audit("read the staff accounts")
    form = StaffForm()
    form.organisation.choices = _organisation_choices()
    if form.validate_on_submit():
        organisation = int(form.organisation.data) if form.organisation.data else None
        problem = accounts.password_problem(form.password.data)
        if (form.role.data == "partner") != (organisation is not None):
            form.organisation.errors.append(
                "Choose an organisation for a partner, and none for other roles"
            )
        elif problem:
            form.password.errors.append(problem)
        else:
            try:
                accounts.add_staff(
                    get_db(),
                    form.email.data,
                    form.password.data,
                    form.role.data,
                    organisation,
                )
            except sqlite3.IntegrityError:
                form.email.errors.append(
                    "There is already an account with this address"
                )
            else:
                audit("created an account", f"{form.email.data} ({form.role.data})")
                return redirect(url_for("admin.users"), 303)
    return form_page("staff/users.html", form, accounts=accounts.list_staff(get_db()))


class AccountForm(FlaskForm):
    """Changing an account: its role, disabling or enabling it, or a new password."""

    action = RadioField(
        "What to do",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("role", "Change the role"),
            SelectChoice("disable", "Disable the account"),
            SelectChoice("enable", "Enable the account"),
            SelectChoice("password", "Set a new password"),
        ],
        validators=[InputRequired("Choose what to do")],
    )
    role = RadioField(
        "New role (only to change it)",
        widget=GovRadioInput(),
        choices=[SelectChoice(r, r.capitalize()) for r in accounts.ROLES],
        validate_choice=False,
    )
    organisation = SelectField(
        "Organisation (partners only)", widget=GovSelect(), validate_choice=False
    )
    password = PasswordField(
        "New password (only to set one)", widget=GovPasswordInput()
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


# An id past SQLite's largest integer is no account: 404, not an overflow (a 500).
@bp.route("/users/<int(max=9223372036854775807):staff_id>", methods=["GET", "POST"])
@requires("admin")
def account(staff_id):
    """One account: change its role, disable or enable it, or reset its password."""
    found = accounts.get_staff(get_db(), staff_id)
    if found is None:
        abort(404)
    form = AccountForm()
    form.organisation.choices = _organisation_choices()
    if form.validate_on_submit():
        if staff_id == g.staff["id"] and form.action.data in ("role", "disable"):
            # Keeps at least one way in: an admin cannot lock themselves out.
            form.action.errors.append(
                "You cannot disable your own account or change your own role"
            )
        elif ACCOUNT_CHANGES[form.action.data](found, form):
            return redirect(url_for("admin.users"), 303)
    return form_page("staff/account.html", form, account=found)


def _change_role(found: dict, form: AccountForm) -> bool:
    """Give the account the role chosen, with an organisation for a partner only."""
    # Checked here, not by the field: it matters only when the role changes.
    known = {c.value for c in form.organisation.choices}
    given = form.organisation.data or ""
    organisation = int(given) if given and given in known else None
    if given not in known:
        form.organisation.errors.append("Choose one of the organisations")
    elif form.role.data not in accounts.ROLES:
        form.role.errors.append("Choose the new role")
    elif (form.role.data == "partner") != (organisation is not None):
        form.organisation.errors.append(
            "Choose an organisation for a partner, and none for other roles"
        )
    else:
        accounts.set_role(get_db(), found["id"], form.role.data, organisation)
        audit("changed a role", f"{found['email']} to {form.role.data}")
        return True
    return False


def _set_password(found: dict, form: AccountForm) -> bool:
    """Give the account the new password typed, if it is a good one."""
    problem = accounts.password_problem(form.password.data or "")
    if problem:
        form.password.errors.append(problem)
        return False
    accounts.set_password(get_db(), found["id"], form.password.data)
    audit("reset a password", found["email"])
    return True


def _disable(found: dict, form: AccountForm) -> bool:
    """Disable the account, ending its sessions."""
    accounts.set_disabled(get_db(), found["id"], True)
    audit("disabled an account", found["email"])
    return True


def _enable(found: dict, form: AccountForm) -> bool:
    """Let the account sign in again."""
    accounts.set_disabled(get_db(), found["id"], False)
    audit("enabled an account", found["email"])
    return True


# What the account page's "What to do" does: each returns whether it was done (else
# it has put its errors on the form).
ACCOUNT_CHANGES = {
    "role": _change_role,
    "disable": _disable,
    "enable": _enable,
    "password": _set_password,
}


class OrganisationForm(FlaskForm):
    """A new organisation (a support service)."""

    name = StringField(
        "Name",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the organisation's name"), Length(max=120)],
    )
    submit = SubmitField("Add organisation", widget=GovSubmitInput())


@bp.route("/organisations", methods=["GET", "POST"])
@requires("admin")
def organisations():
    """The support services partners belong to, and a form to add one."""
    form = OrganisationForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        if not name:
            form.name.errors.append("Enter the organisation's name")
        elif accounts.get_organisation_by_name(get_db(), name):
            form.name.errors.append("There is already an organisation with this name")
        else:
            accounts.add_organisation(get_db(), name)
            audit("added an organisation", name)
            return redirect(url_for("admin.organisations"), 303)
    return form_page(
        "staff/organisations.html",
        form,
        organisations=accounts.list_organisations(get_db()),
    )
