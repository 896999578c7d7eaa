"""Staff accounts, access to every staff page, and staff forms (docs/privacy.md §4)."""

from datetime import date

import pytest
from helpers import PASSWORD, csrf_token, log_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey import accounts, audit_log, clock, demo, link_store, releases, storage


def staff_rules(app):
    """Every route under /staff and /dashboard, whatever blueprint it belongs to."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/staff", "/dashboard"))
    ]


def test_every_staff_route_declares_who_may_use_it(app):
    for rule in staff_rules(app):
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "allowed_roles"), f"{rule.rule} declares no access rule"


@pytest.fixture
def sample_arguments(db, staff_accounts):
    """Values for the URL map's parameters: organisation A's link, the first account."""
    link = link_store.add_link(
        db,
        label="A's link",
        channel="service-a",
        today=date(2026, 4, 1),
        organisation_id=staff_accounts["partner_a"]["organisation_id"],
    )
    return {
        "staff_id": 1,
        "code": link["code"],
        "name": "confidence",
        "key": "reasons",
        "fmt": "csv",
    }


def test_access_matrix_from_the_url_map(app, personas, sample_arguments):
    checked = 0
    for rule in staff_rules(app):
        allowed = app.view_functions[rule.endpoint].allowed_roles
        path = rule.build(sample_arguments)[1]
        for persona, client in personas.items():
            role = None if persona == "anonymous" else persona.split("_")[0]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method)
                status = response.status_code
                if allowed is None:
                    assert status != 403, (rule.rule, persona)
                elif role is None:
                    assert status in (302, 400), (rule.rule, method, persona, status)
                    if status == 302:
                        assert "/staff/login" in response.headers["Location"]
                elif role not in allowed:
                    assert status in (403, 400), (rule.rule, method, persona, status)
                else:
                    assert status not in (403, 500), (
                        rule.rule,
                        method,
                        persona,
                        status,
                    )
                checked += 1
    assert checked >= 5 * 6


def post_forms(code):
    """Each staff POST endpoint with what a browser would send, less the CSRF token."""
    return {
        "/staff/login": {"email": "admin@example.org", "password": PASSWORD},
        "/staff/logout": {},
        "/staff/users": {
            "email": "new@example.org",
            "role": "analyst",
            "organisation": "",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
        "/staff/users/2": {"action": "disable"},
        "/staff/users/2/two-factor": {},
        "/staff/recovery-codes": {},
        "/staff/login/code": {"code": "123456"},
        "/staff/login/enrol": {"code": "123456"},
        "/staff/links/new": {"label": "X", "channel": "x", "organisation": "1"},
        "/staff/organisations": {"name": "Refuge East"},
        f"/staff/links/{code}/close": {},
        f"/staff/links/{code}/reopen": {},
        "/staff/releases": {
            "period_type": "quarter",
            "period": "2025/26 Q4",
            "action": "publish",
        },
    }


def test_every_staff_form_refuses_a_missing_csrf_token(
    app, db, personas, sample_arguments
):
    client = personas["admin"]
    forms = post_forms(sample_arguments["code"])
    posts = [rule for rule in staff_rules(app) if "POST" in rule.methods]
    assert len(forms) == len(posts)  # a new staff form must be added to post_forms

    def state():
        tables = (
            "staff",
            "links",
            "organisations",
            "published_releases",
            "recovery_codes",
        )
        return [list(db.execute(f"SELECT * FROM {t}")) for t in tables]

    before = state()
    for path, data in forms.items():
        response = client.post(path, data=data)
        assert response.status_code == 400, path
    assert state() == before
    assert client.get("/staff/").status_code == 200  # still logged in


def test_no_state_changes_on_get(app, db, personas, sample_arguments):
    clients = list(personas.values())  # all logged in before the state is read
    # Responses of periods that have ended: no page may release them (flask release
    # does, from cron), nor fix their batches of comments.
    storage.add_rows(db, demo.generate(300, 2, clock.today()))
    assert releases.due_releases(db, clock.today())

    def state():
        return [
            list(db.execute(f"SELECT * FROM {table}"))
            for table in (
                "staff",
                "organisations",
                "links",
                "responses",
                "releases",
                "comment_batches",
                "published_releases",
                "recovery_codes",
            )
        ]

    before = state()
    for rule in staff_rules(app):
        if "GET" in rule.methods:
            for client in clients:
                client.get(rule.build(sample_arguments)[1])
    assert state() == before


def test_admin_creates_changes_disables_and_resets_accounts(app, db, personas):
    admin = personas["admin"]
    token = csrf_token(admin, "/staff/users")
    created = admin.post(
        "/staff/users",
        data={
            "csrf_token": token,
            "email": "new@example.org",
            "role": "partner",
            "organisation": "1",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert created.status_code == 303
    new = accounts.get_staff_by_email(db, "new@example.org")
    assert new["role"] == "partner" and new["organisation"] == "Service A"

    def change(data):
        return admin.post(
            f"/staff/users/{new['id']}",
            data={"csrf_token": csrf_token(admin, "/staff/users"), **data},
        )

    assert (
        change({"action": "role", "role": "analyst", "organisation": ""}).status_code
        == 303
    )
    assert accounts.get_staff(db, new["id"])["role"] == "analyst"
    user = app.test_client()
    # Its first sign-in sets up its second factor: the recovery codes page.
    assert log_in(user, "new@example.org").status_code == 200
    assert change({"action": "disable"}).status_code == 303
    assert user.get("/staff/").status_code == 302  # its session ended at once
    assert change({"action": "enable"}).status_code == 303
    assert change({"action": "password", "password": "short"}).status_code == 400
    assert (
        change({"action": "password", "password": "a brand new password"}).status_code
        == 303
    )
    assert (
        log_in(app.test_client(), "new@example.org", "a brand new password").status_code
        == 303
    )
    actions = [entry["action"] for entry in audit_log.list_entries(db)]
    admin.get("/staff/users")
    actions = [entry["action"] for entry in audit_log.list_entries(db)]
    for expected in (
        "read the staff accounts",
        "created an account",
        "changed a role",
        "disabled an account",
        "enabled an account",
        "reset a password",
        "logged in",
    ):
        assert expected in actions


def test_new_account_form_errors_are_shown_not_500(personas):
    admin = personas["admin"]
    response = admin.post(
        "/staff/users",
        data={
            "csrf_token": csrf_token(admin, "/staff/users"),
            "email": "not an address",
            "role": "partner",
            "organisation": "",
            "password": "short",
            "confirm": "other",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "govuk-error-summary" in html
    assert "Enter an e-mail address like name@example.org" in html


def test_create_user_command_asks_for_the_password_twice(runner, db):
    result = runner.invoke(
        args=[
            "create-user",
            "p@example.org",
            "--role",
            "partner",
            "--organisation",
            "Refuge North",
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert "Created the organisation Refuge North" in result.output
    account = accounts.get_staff_by_email(db, "p@example.org")
    assert account["organisation"] == "Refuge North"
    mismatch = runner.invoke(
        args=["create-user", "q@example.org", "--role", "admin"],
        input=f"{PASSWORD}\nsomething else!!\n" * 3,
    )
    assert mismatch.exit_code != 0
    assert accounts.get_staff_by_email(db, "q@example.org") is None
    short = runner.invoke(
        args=["create-user", "r@example.org", "--role", "admin"], input="short\nshort\n"
    )
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    no_org = runner.invoke(
        args=["create-user", "s@example.org", "--role", "partner"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert no_org.exit_code == 2


FIELDS = st.sampled_from(
    [
        "email",
        "password",
        "confirm",
        "role",
        "organisation",
        "action",
        "csrf_token",
        "x",
        "name",
        "label",
        "channel",
        "expires",
        "period_type",
        "period",
        "code",
    ]
)
VALUES = st.text(max_size=300) | st.sampled_from(
    [
        "admin",
        "partner",
        "1",
        "",
        "disable",
        "2027-03-31",
        "outreach-north",
        "quarter",
        "publish",
        "withdraw",
    ]
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(
        [
            "/staff/login",
            "/staff/logout",
            "/staff/users",
            "/staff/users/1",
            "/staff/users/99",
            "/staff/users/1/two-factor",
            "/staff/users/2/two-factor",
            "/staff/users/99/two-factor",
            "/staff/recovery-codes",
            "/staff/login/code",
            "/staff/login/enrol",
            "/staff/organisations",
            "/staff/links/new",
            "/staff/links/zzzzzzzz/close",
            "/staff/links/zzzzzzzz/reopen",
            "/staff/releases",
        ]
    ),
    data=st.dictionaries(FIELDS, VALUES, max_size=7),
    with_token=st.booleans(),
)
def test_staff_forms_never_give_a_500(personas, path, data, with_token):
    client = personas["admin"]
    if client.get("/staff/").status_code != 200:
        log_in(client, "admin@example.org")  # an example may have ended the session
    if with_token:
        page = "/staff/login" if path == "/staff/login" else "/staff/"
        data = {**data, "csrf_token": csrf_token(client, page)}
    response = client.post(path, data=data)
    assert response.status_code < 500


def test_an_admin_cannot_lock_themselves_out(personas, db, staff_accounts):
    admin = personas["admin"]
    own = staff_accounts["admin"]["id"]
    for data in (
        {"action": "disable"},
        {"action": "role", "role": "analyst", "organisation": ""},
    ):
        response = admin.post(
            f"/staff/users/{own}",
            data={"csrf_token": csrf_token(admin, "/staff/users"), **data},
        )
        assert response.status_code == 400
        assert "cannot disable your own account" in response.get_data(as_text=True)
    account = accounts.get_staff(db, own)
    assert account["role"] == "admin" and not account["disabled"]


def test_admin_adds_organisations_once(personas, db):
    admin = personas["admin"]

    def add(name):
        return admin.post(
            "/staff/organisations",
            data={
                "csrf_token": csrf_token(admin, "/staff/organisations"),
                "name": name,
            },
        )

    assert add("Refuge East").status_code == 303
    again = add("Refuge East")
    assert again.status_code == 400
    assert "already an organisation" in again.get_data(as_text=True)
    assert add("   ").status_code == 400
    assert "Refuge East" in [o["name"] for o in accounts.list_organisations(db)]


def test_survey_pages_ignore_a_staff_cookie(app, personas, db):
    from datetime import date as day

    link = link_store.add_link(db, label="x", channel="x", today=day(2026, 4, 1))
    client = personas["admin"]
    before = db.execute("SELECT last_seen FROM sessions").fetchall()
    code = link["code"]
    for response in (client.get(f"/s/{code}"), client.post(f"/s/{code}/begin")):
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
        assert "Logged in as" not in response.get_data(as_text=True)
    # Not even read: the session was not touched.
    assert db.execute("SELECT last_seen FROM sessions").fetchall() == before


WEAK_PASSWORDS = [
    " " * 12,
    "\t" * 6 + " " * 6,
    "password1234",
    "Password1234",
    "aaaaaaaaaaaa",
    "qwertyuiop12",
    "iloveyou1234",
]


@pytest.mark.parametrize("password", WEAK_PASSWORDS)
def test_common_and_repetitive_passwords_are_refused(password):
    assert accounts.password_problem(password)
    with pytest.raises(ValueError):  # the check that guards every way one is set
        accounts._password_hash(password)


def test_the_list_holds_ten_thousand_common_passwords():
    listed = accounts.common_passwords()
    assert len(listed) == 10_000 and "password" in listed and "123456" in listed
    assert accounts.password_problem(PASSWORD) is None


def test_new_account_and_reset_forms_refuse_a_common_password(personas, db):
    admin = personas["admin"]
    response = admin.post(
        "/staff/users",
        data={
            "csrf_token": csrf_token(admin, "/staff/users"),
            "email": "weak@example.org",
            "role": "analyst",
            "organisation": "",
            "password": "password1234",
            "confirm": "password1234",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "too common" in html
    assert accounts.get_staff_by_email(db, "weak@example.org") is None
    analyst = accounts.get_staff_by_email(db, "analyst@example.org")
    response = admin.post(
        f"/staff/users/{analyst['id']}",
        data={
            "csrf_token": csrf_token(admin, f"/staff/users/{analyst['id']}"),
            "action": "password",
            "password": "aaaaaaaaaaaa",
        },
    )
    assert response.status_code == 400 and "one character repeated" in (
        response.get_data(as_text=True)
    )


def test_create_user_command_refuses_a_common_password(runner, db):
    result = runner.invoke(
        args=["create-user", "w@example.org", "--role", "admin"],
        input="password1234\npassword1234\n",
    )
    assert result.exit_code == 1 and "too common" in result.output
    assert accounts.get_staff_by_email(db, "w@example.org") is None
