"""The survey web application: create_app() builds it from configuration."""

import logging
import os
import re

from flask import Flask, render_template, request
from flask.logging import default_handler
from flask_babel import gettext
from flask_wtf.csrf import CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from survey import (
    admin,
    auth,
    cli,
    dashboard,
    db,
    i18n,
    languages,
    links,
    pages,
    privacy,
    respond,
    results,
    sessions,
    staff,
    storage,
    two_factor,
)
from survey.dashboard import exports
from survey.integrity import FloodCounter

HERE = os.path.dirname(__file__)

DEFAULTS = {
    "DATABASE": "",
    "SECRET_KEY": None,
    "SERVICE_NAME": "Your views survey",
    "FORCE_NAME": "the police",
    "COMMISSIONER_NAME": "the Police and Crime Commissioner",
    # The languages respondents may choose on the start page (docs/languages.md):
    # English only, unless a reviewed translation is switched on here.
    "LANGUAGES": ["en"],
    # The local service in the help box on every respondent page, and how to reach the
    # commissioner's office about accessibility: no default, they must be configured
    # (see CONTACT_SETTINGS).
    "LOCAL_SERVICE_NAME": "",
    "LOCAL_SERVICE_PHONE": "",
    "LOCAL_SERVICE_HOURS": "",
    # What the thank-you page says about results, beside its link to /results.
    "RESULTS_NOTE": (
        "The commissioner publishes a summary of the results on this website, for the "
        "public meetings where they hold the police to account."
    ),
    # The address printed on hand-out cards and in their QR codes, such as
    # https://survey.example.org. Required unless TESTING or DEBUG (see _check_config).
    "PUBLIC_BASE_URL": "",
    # For the accessibility statement: how to report a problem (an email address or a
    # phone number, as it should read after "contact the commissioner's office:"), and
    # when it was last reviewed.
    "ACCESSIBILITY_CONTACT": "",
    "ACCESSIBILITY_REVIEWED": "23 November 2026",
    # docs/privacy.md §3: the smallest base a percentage is shown for.
    "PERCENT_MINIMUM_BASE": 50,
    # How long the dashboard keeps the counts it read (they take seconds to read).
    "DASHBOARD_CACHE_SECONDS": 300,
    # Where Exit this page goes: a busy, ordinary site that raises no questions.
    "EXIT_URL": "https://www.bbc.co.uk/weather",
    # k of docs/privacy.md §3: counts below it are never shown to staff. Never below 5.
    "SUPPRESSION_THRESHOLD": 10,
    "FORM_TOKEN_MAX_AGE_HOURS": 4,
    # Final submissions one client may make in an hour before a polite refusal;
    # generous, since a refuge or an office may share one internet address.
    "FLOOD_LIMIT": 30,
    # How many proxies in front of the app set X-Forwarded-For, -Proto and -Host
    # (docs/deploy.md). 0 trusts none of them: the client's address is the socket's.
    "PROXY_HOPS": 0,
    # Responses older than this are deleted by `flask purge` (docs/privacy.md §6).
    "RETENTION_MONTHS": 36,
    # How long a request waits for another's write to finish before it gives up: a
    # respondent then gets the apology page with every answer kept (docs/privacy.md §6).
    "DATABASE_BUSY_TIMEOUT_MS": storage.BUSY_TIMEOUT_MS,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_PARTS": 200,
    # Staff sessions (docs/privacy.md §4): on the server; only staff pages read them.
    # SESSION_COOKIE_SECURE is switched off only for local development over http.
    "SESSION_COOKIE_NAME": "staff_session",
    "SESSION_COOKIE_PATH": "/",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "STAFF_IDLE_MINUTES": 30,
    "STAFF_ABSOLUTE_HOURS": 12,
}
MINIMUM_THRESHOLD = 5
MOST_RETENTION_MONTHS = 1200
# A respondent must never meet a help box with no number to ring, or a statement that
# says "contact us" without saying how: the app does not start without these.
CONTACT_SETTINGS = (
    "LOCAL_SERVICE_NAME",
    "LOCAL_SERVICE_PHONE",
    "LOCAL_SERVICE_HOURS",
    "ACCESSIBILITY_CONTACT",
)


# Log lines carry no time: a timestamp beside a warning about a submission would record
# when someone took part, which docs/privacy.md §2 forbids.
default_handler.setFormatter(
    logging.Formatter("[%(levelname)s] %(module)s: %(message)s")
)


def create_app(test_config=None):
    """Build the app: defaults, then instance/config.py, then SURVEY_* variables."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("SURVEY_INSTANCE_PATH")
        or os.path.join(os.path.dirname(HERE), "instance"),
        instance_relative_config=True,
        template_folder=None,
    )
    app.config.from_mapping(DEFAULTS)
    app.config["DATABASE"] = os.path.join(app.instance_path, "survey.db")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SURVEY")
    if test_config is not None:
        app.config.from_mapping(test_config)
    _check_config(app.config)

    _trust_proxies(app)
    app.jinja_loader = _template_loader()
    WTFormsHelpers(app)
    i18n.init_app(app)

    db.init_app(app)
    cli.init_app(app)
    _register_views(app)
    app.extensions["flood_counter"] = FloodCounter(int(app.config["FLOOD_LIMIT"]))
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _error_page)
    return app


def _register_views(app) -> None:
    """Sessions for staff pages, CSRF for staff forms, and every blueprint."""
    app.session_interface = sessions.DatabaseSessionInterface()
    # First of all, before the CSRF check reads the session it could not read.
    app.before_request(sessions.refuse_without_session)
    app.before_request(auth.load_staff)
    # CSRF tokens live in the staff session; respondent forms carry their own signed
    # token and must never cause a session (docs/privacy.md §1).
    csrf = CSRFProtect(app)
    csrf.exempt(respond.bp)
    for blueprint in (
        respond.bp,
        pages.bp,
        staff.bp,
        admin.bp,
        two_factor.bp,
        links.bp,
        dashboard.bp,
        exports.bp,
        results.bp,
        results.staff_bp,
    ):
        app.register_blueprint(blueprint)


def _security_headers(response):
    """The security headers on every response, and no caching of anything."""
    # no-store on everything, static files too: a cached stylesheet is as much a
    # trace of the survey on a shared device as a cached page (docs/privacy.md §1).
    response.headers["Cache-Control"] = "no-store"
    privacy.add_security_headers(response.headers, https=request.is_secure)
    return response


def _error_page(error: HTTPException):
    """One error page for every HTTP error: the respondent's or the staff's."""
    # A description given to abort() is written for people; Werkzeug's are not.
    custom = error.description != type(error).description
    # In the respondent's language when a catalogue has it (respond.py marks them).
    message = gettext(error.description) if custom else None
    return render_template(
        _error_template(request.path), status=error.code, message=message
    ), error.code


def _trust_proxies(app) -> None:
    """Read the client's address, scheme and host from the proxies we put in front.

    Behind nginx every request comes from 127.0.0.1, so the flood limit would count
    every respondent as one client and shut the survey for all of them. Only the last
    PROXY_HOPS entries of each header are believed: anything before them was written
    by the client and could be made up to dodge the limit (docs/deploy.md).
    """
    hops = int(app.config["PROXY_HOPS"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _error_template(path: str) -> str:
    """Staff get error pages written for staff; respondents keep their own.

    A respondent's page tells people to start again from the link they were given and
    never mentions staff; that would only puzzle a member of staff who was refused a
    page or mistyped an address, so theirs says why and links to the staff pages.
    """
    return "staff_error.html" if auth.is_staff_path(path) else "error.html"


def _template_loader() -> ChoiceLoader:
    """Our templates, then GOV.UK Frontend's macros and its WTForms widgets."""
    return ChoiceLoader(
        [
            FileSystemLoader(os.path.join(os.path.dirname(HERE), "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )


def _check_config(config) -> None:
    if not config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set: put it in instance/config.py (make run does this) "
            "or in the SURVEY_SECRET_KEY environment variable"
        )
    missing = [key for key in CONTACT_SETTINGS if not str(config[key] or "").strip()]
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} not set: respondent pages must name the local "
            "support service with its phone number and hours, and the accessibility "
            "statement must say how to reach you. Put them in instance/config.py or "
            "in SURVEY_* environment variables (make run writes demonstration values)"
        )
    _check_public_base_url(config)
    _check_languages(config["LANGUAGES"])
    if not 1 <= int(config["RETENTION_MONTHS"]) <= MOST_RETENTION_MONTHS:
        # 0 would have the monthly purge delete every response and release.
        raise RuntimeError(
            f"RETENTION_MONTHS is {config['RETENTION_MONTHS']}; it must be a number "
            f"of months from 1 to {MOST_RETENTION_MONTHS} (docs/privacy.md §6)"
        )
    if int(config["SUPPRESSION_THRESHOLD"]) < MINIMUM_THRESHOLD:
        raise RuntimeError(
            f"SUPPRESSION_THRESHOLD is {config['SUPPRESSION_THRESHOLD']}; "
            f"it may never be below {MINIMUM_THRESHOLD}"
        )


def _check_languages(codes) -> None:
    """Refuse a language the survey cannot show, rather than drop it unseen."""
    if isinstance(codes, str) or not all(isinstance(code, str) for code in codes):
        raise RuntimeError(
            f'LANGUAGES is {codes!r}: give a list of codes, such as ["en", "cy"]'
        )
    unknown = [code for code in codes if code not in languages.LANGUAGE_CODES]
    if unknown:
        raise RuntimeError(
            f"LANGUAGES lists {', '.join(unknown)}, which the survey has no "
            f"translation for: choose from {', '.join(languages.LANGUAGE_CODES)} "
            "(docs/languages.md)"
        )


def _check_public_base_url(config) -> None:
    """Refuse to start without the survey's public address, outside development.

    Without it a card would print whatever Host header the request that made it
    claimed: a forged "Host: evil.example" would hand respondents a stranger's link.
    Tests and `flask run --debug` may fall back on the request's host.
    """
    url = str(config.get("PUBLIC_BASE_URL") or "").strip()
    if not url and (config.get("TESTING") or config.get("DEBUG")):
        return
    if not re.fullmatch(r"https?://[^/\s]+/?", url):
        raise RuntimeError(
            "PUBLIC_BASE_URL not set: hand-out cards and their QR codes print it. Put "
            "the survey's public address (such as https://survey.example.org) in "
            "instance/config.py or SURVEY_PUBLIC_BASE_URL (make run writes a local one)"
        )
