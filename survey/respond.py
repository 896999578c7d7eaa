"""Blueprint "respond": the pages victims see, from the start page to the thank-you.

Nothing is kept between pages, on the server or the device: each page posts every
earlier answer back in hidden fields, and only the final submit stores anything.
"""

from __future__ import annotations

import sqlite3
import sys
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from analysis import periods
from survey import checking, clock, i18n, integrity, link_store, storage
from survey.db import get_db
from survey.i18n import lang_args
from survey.questionnaire import (
    BY_CODE,
    LAST_PAGE,
    N_,
    PAGE_OF,
    PAGES,
    QUESTIONS,
    Question,
    next_page,
)
from survey.questionnaire import previous_page as page_before

bp = Blueprint("respond", __name__, url_prefix="/s")


def get_open_link_or_404(code: str) -> dict:
    """The open link with this code; unknown and closed codes get the same 404."""
    link = link_store.get_open_link(get_db(), code, clock.today())
    if link is None:
        abort(404)
    return link


@bp.get("/<code>")
def start(code):
    """The start page: what the survey is, what anonymity means, how to leave."""
    get_open_link_or_404(code)
    return render_template("respond/start.html", code=code)


@bp.post("/<code>/begin")
def begin(code):
    """The first page of questions, with a fresh form token."""
    get_open_link_or_404(code)
    _refuse_cross_site()
    # Every page of questions is the answer to a POST and is never cached, so the
    # browser cannot show one again from its history: Back after Exit this page
    # finds nothing (docs/privacy.md, "Leaving leaves nothing behind").
    token = integrity.issue_token(current_app.config["SECRET_KEY"], clock.hour())
    return _render_page(code, 1, None, {}, token)


@bp.get("/<code>/questions")
def questions(code):
    """Pages of questions are only ever posted; this address leads to the start."""
    get_open_link_or_404(code)
    return redirect(url_for("respond.start", code=code, **lang_args()), 303)


@bp.post("/<code>/questions")
def answer(code):
    """Take one page's answers and show the next page, or store the whole response."""
    try:
        link = get_open_link_or_404(code)
    except sqlite3.DatabaseError:
        # The database cannot even be opened (docs/privacy.md §6): the form is still
        # checked, and its answers are kept on a 503 page.
        _log_unavailable()
        link = None
    _refuse_cross_site()
    token_text = request.form.get("token", "")
    token = integrity.read_token(current_app.config["SECRET_KEY"], token_text)
    if token is None:
        abort(
            400,
            N_("This form could not be checked. Please start again from your link."),
        )
    page = _page_number(request.form.get("page", ""))
    checked = checking.check(request.form, page)
    if checked.problems:
        body = render_template("error.html", status=400, problems=checked.problems)
        return body, 400
    if link is None:
        return _unsaved(code, page, checked.form, checked.answers, token_text)

    if request.form.get("nav") == "back":
        # Going back keeps what was answered on this page, even if part of it was
        # not yet right; it is checked again on the way forward.
        before = page_before(page, checked.answers)
        return _render_page(code, before, None, checked.answers, token_text)
    if checked.field_errors:
        return _render_page(code, page, checked.form, checked.answers, token_text, 400)
    following = next_page(page, checked.answers)
    if following is not None:
        return _render_page(code, following, None, checked.answers, token_text)
    return _submit(link, code, checked, token, token_text)


def _submit(link, code, checked, token, token_text):
    """Store the response; on any database failure, a 503 page keeping every answer."""
    if request.form.get("website"):
        # The honeypot was filled in: a bot. It sees the usual ending; nothing is kept.
        return redirect(url_for("respond.thanks", code=code, **lang_args()), 303)
    try:
        return _store(link, code, checked, token)
    except sqlite3.DatabaseError:
        # Locked past the timeout, disk full, read-only: say so and keep every answer,
        # so the person can send them again. The same token stores at most once.
        _log_unavailable()
        return _unsaved(code, LAST_PAGE, None, checked.answers, token_text)


def _store(link, code, checked, token):
    """The database's part of a final submit; its failures are _submit's to handle."""
    db = get_db()
    config = current_app.config
    if storage.get_submission(db, token.submission_id):
        # Sent before and stored then: a retry, not a new response. Looked up before
        # any write, so it gets its thank-you even from a read-only file.
        return redirect(url_for("respond.thanks", code=code, **lang_args()), 303)
    hour = clock.hour()
    if token.expired(hour, config["FORM_TOKEN_MAX_AGE_HOURS"]):
        fresh = integrity.issue_token(config["SECRET_KEY"], hour)
        return _render_page(
            code, LAST_PAGE, None, checked.answers, fresh, 400, notice="expired"
        )
    flood = current_app.extensions["flood_counter"]
    if not flood.allow(request.remote_addr or "", hour):
        abort(429)
    # False when another request stored this token's response a moment ago: the
    # person sees the same thank-you page and nothing more is stored.
    storage.add_response(
        db,
        checked.answers,
        period=periods.week_of(clock.today()),
        channel=link["channel"],
        submission_id=token.submission_id,
        # The language the person read the survey in: only an offered one, else
        # English (survey/i18n.py), so always a code the column takes.
        language=i18n.language(),
    )
    return redirect(url_for("respond.thanks", code=code, **lang_args()), 303)


def _unsaved(code, number, form, answers, token_text):
    """Page `number` again with every answer, a 503 and the "not sent yet" notice."""
    return _render_page(code, number, form, answers, token_text, 503, notice="unsaved")


def _log_unavailable() -> None:
    """Log a database failure a respondent met: SQLite's words, nothing of theirs.

    No traceback: the log must hold nothing about who sent what (docs/privacy.md §2).
    """
    error = sys.exc_info()[1]
    current_app.logger.warning(
        "the database failed (%s): a response could not be stored or a page shown; "
        "the person was asked to retry",
        error,
    )


@bp.errorhandler(sqlite3.DatabaseError)
def database_unavailable(_error):
    """Any other respondent page the database fails on: the 503 page, not a 500.

    Opening the connection can fail as well as a write: after the -wal and -shm files
    are gone, `PRAGMA journal_mode=WAL` must create them (docs/privacy.md §6).
    """
    _log_unavailable()
    return render_template("error.html", status=503), 503


@bp.get("/<code>/done")
def thanks(code):
    """The thank-you page, after the response is committed."""
    get_open_link_or_404(code)
    return render_template("respond/thanks.html", code=code)


@bp.app_template_global()
def question_children(question: Question) -> list[Question]:
    """Questions asked inside `question` because they depend on its answer."""
    return [
        inner
        for inner in QUESTIONS
        if inner.when
        and inner.when[0] == question.code
        and PAGE_OF[inner.code] == PAGE_OF[question.code]
    ]


def _render_page(code, number, form, answers, token, status=200, notice=None):
    if form is None:
        form = checking.page_form(number, answers)
    checking.translate_choices(form)
    page = PAGES[number - 1]
    carried = {key: value for key, value in answers.items() if PAGE_OF[key] != number}
    questions = [
        BY_CODE[key]
        for key in page.codes
        # A question routed by another on the same page is drawn inside it instead
        # (a conditional reveal), so it is there for people without JavaScript too.
        if not (BY_CODE[key].when and BY_CODE[key].when[0] in page.codes)
    ]
    body = render_template(
        "respond/page.html",
        code=code,
        number=number,
        page=page,
        questions=questions,
        form=form,
        carried=carried,
        token=token,
        is_last=next_page(number, answers) is None,
        notice=notice,
        total=LAST_PAGE,
    )
    return body, status


def _page_number(value: str) -> int:
    """The page a form came from; 400 unless it is ASCII digits naming a real page.

    str.isdigit also accepts "²" and "③", which int() then refuses with a 500.
    """
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= LAST_PAGE:
        abort(400, N_("The form did not say which page it came from."))
    return int(value)


def _refuse_cross_site() -> None:
    """Refuse a POST made from another site, without needing any cookie."""
    site = request.headers.get("Sec-Fetch-Site")
    if site and site not in ("same-origin", "none"):
        abort(403)
    # Browsers send `Origin: null` on our own forms because of `no-referrer`; any
    # other origin must be ours.
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        abort(403)
