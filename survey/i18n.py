"""Languages: which one a respondent reads, carried in the address or a form field.

The choice is never kept in a cookie, a session or storage (docs/privacy.md §1): every
respondent link carries `?lang=xx` and every respondent form a hidden `lang` field.
Staff pages stay English.
"""

from __future__ import annotations

import os

from babel import support
from flask import current_app, has_request_context, request
from flask_babel import Babel, Domain

from survey import languages
from survey.auth import STAFF_PATHS, under

HERE = os.path.dirname(__file__)
TRANSLATIONS = os.path.join(os.path.dirname(HERE), "translations")
DEFAULT = "en"
# Easy Read is a plainer English, offered like a language: its catalogue is the
# "easy" domain of English (translations/en/LC_MESSAGES/easy.po), since Babel parses
# no locale code for it.
EASY_READ = "easy"
# Each language in its own name, as the start page lists it (survey/languages.py
# keeps the codes a response may be stored with), and the right-to-left ones.
NAMES = languages.OWN_NAMES
RIGHT_TO_LEFT = frozenset({"ur"})
# Pages never translated, whatever the address says: staff pages, and the public
# results, whose figures and sentences exist in English only (its page would
# otherwise claim a language its content is not in).
ENGLISH_ONLY = (*STAFF_PATHS, "/results")


def offered() -> list[str]:
    """The configured languages, English first; a code we cannot show is dropped."""
    codes = [str(code) for code in current_app.config["LANGUAGES"]]
    return [DEFAULT] + [code for code in codes if code in NAMES and code != DEFAULT]


def language() -> str:
    """The code of the language this request is in; anything unknown is English."""
    if not has_request_context():
        return DEFAULT
    if under(request.path, ENGLISH_ONLY):
        return DEFAULT
    try:
        code = request.values.get("lang", "")
    except Exception:  # a body too large or malformed must not stop the page
        code = request.args.get("lang", "")
    return code if code in offered() else DEFAULT


def locale() -> str:
    """The Babel locale for this request: Easy Read is English to Babel."""
    code = language()
    return DEFAULT if code == EASY_READ else code


def direction() -> str:
    """The writing direction of the page: "rtl" for Urdu."""
    return "rtl" if language() in RIGHT_TO_LEFT else "ltr"


def lang_args() -> dict[str, str]:
    """The `lang` to add to a respondent link: none for English."""
    code = language()
    return {} if code == DEFAULT else {"lang": code}


def N_(message: str) -> str:
    """Mark a message for the catalogues (make messages-extract); it stays as it is."""
    return message


def translations_for(code: str) -> support.NullTranslations:
    """The catalogue of one offered language, whatever the request's own language.

    Hand-out cards are printed from an English staff page in the language chosen for
    them (survey/links.py). An unknown or unoffered code is English.
    """
    if code not in offered() or code == DEFAULT:
        return support.NullTranslations()
    directory = current_app.config["TRANSLATIONS_DIRECTORY"]
    if code == EASY_READ:
        return _easy_read(directory)
    return support.Translations.load(directory, [code])


def _easy_read(directory: str) -> support.NullTranslations:
    """Easy Read's catalogue: the "easy" domain of English."""
    return support.Translations.load(directory, [DEFAULT], EASY_READ)


def survey_address(base: str, link_code: str, code: str) -> str:
    """A link's public address that opens the survey in the language `code`."""
    address = f"{base.rstrip('/')}/s/{link_code}"
    return (
        address
        if code not in offered() or code == DEFAULT
        else (f"{address}?lang={code}")
    )


class SurveyDomain(Domain):
    """Flask-Babel's domain, which finds Easy Read's catalogue in its own domain."""

    @property
    def translation_directories(self):
        """The configured catalogues, read when needed (tests may point elsewhere)."""
        return [current_app.config["TRANSLATIONS_DIRECTORY"]]

    def get_translations(self):
        """The catalogue of this request's language (Easy Read: English's "easy")."""
        if language() != EASY_READ:
            return super().get_translations()
        cache = self.cache
        key = (EASY_READ, EASY_READ)
        if key not in cache:
            cache[key] = _easy_read(current_app.config["TRANSLATIONS_DIRECTORY"])
        return cache[key]


class SurveyBabel(Babel):
    """Flask-Babel with our domain."""

    @property
    def domain_instance(self):
        """One domain object for the app, as Flask-Babel keeps its own."""
        if not hasattr(self, "_survey_domain"):
            self._survey_domain = SurveyDomain(domain=self.domain)
        return self._survey_domain


def init_app(app) -> None:
    """Set Flask-Babel up with the locale chosen by `lang` and our catalogues."""
    app.config.setdefault("TRANSLATIONS_DIRECTORY", TRANSLATIONS)
    SurveyBabel(app, locale_selector=locale)
    # {% trans %} blocks are extracted with their line breaks folded (babel.cfg).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(
        page_language=language,
        page_direction=direction,
        lang_args=lang_args,
        language_names=NAMES,
        offered_languages=offered,
    )
