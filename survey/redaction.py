"""Redaction: what could identify someone, taken out of free text before it is kept."""

from __future__ import annotations

import re
import unicodedata

from survey.name_redaction import ORDINARY_WORDS, redact_names

REMOVED = "[removed]"

# docs/privacy.md §2 lists what redact() removes, with the recall and false-positive
# figures measured on tests/data/redaction_corpus.json. The start page and the privacy
# notice name exactly these kinds: a new kind here must be named there too.

# Dashes people put between digits, besides "-": hyphen, non-breaking hyphen (which
# NFKC turns into the hyphen), figure dash, en and em dash, minus.
_DASHES = "\u2010-\u2015\u2212"

_URL = re.compile(
    r"""(?ix)
    \b(?:https?://|www\.)\S+                       # anything that starts like a link
    | (?<![a-z0-9-])(?<![a-z0-9-]\.)                # or a bare domain, known ending,
      (?:[a-z0-9-]+\.)+                            # looked for only where a run of
      (?:com|net|org|uk|io|me|info|ly|tv|app|co|ie|eu|biz)\b(?:/\S*)?  # labels begins
    """
)
# An address ends in a top-level domain of letters, so "Meet @ 9.30" is not one.
_EMAIL = re.compile(
    r"(?<![\w.%+'-])[\w.%+'-]+\s?(?:@|\(at\)|\[at\])\s?"
    r"[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])",
    re.I,
)
# Addresses spelled out to get past filters: "jo dot bloggs at example dot com", or
# "jo at hotmail" with a mail provider's name and nothing after it. "at" alone is an
# ordinary word, so without a provider's name the domain must end in a "dot" ending.
_DOT = r"(?:\s*\.\s*|\s+(?:dot|underscore|dash|hyphen)\s+|\s*[(\[{]\s*dot\s*[)\]}]\s*)"
_PROVIDER = (
    r"(?:gmail|googlemail|hotmail|outlook|yahoo|ymail|icloud|aol|btinternet|talktalk"
    r"|virginmedia|protonmail|msn|gmx|tiscali|ntlworld|blueyonder|live\s*dot)"
)
_ENDING = r"(?:com|co|uk|org|net|ie|info|io|me|biz|email|eu)"
_SPELLED_EMAIL = re.compile(
    rf"""(?ix)
    (?<![\w'+.-])(?<!\bdot\s)[\w'+-]+(?:{_DOT}[\w'+-]+)*  # jo, jo.bloggs, jo dot bloggs
    (?:\s*@\s*|\s*[(\[{{]\s*at\s*[)\]}}]\s*|\s+at\s+)   # @, (at), [at] or " at "
    (?:{_PROVIDER}\b(?:{_DOT}[a-z]+)*                   # hotmail, hotmail dot co dot uk
      | [\w-]+(?:{_DOT}[\w-]+)*?{_DOT}{_ENDING}\b(?:{_DOT}[a-z]{{2}}\b)?)
    """
)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}[A-Za-z0-9_])?")
# National Insurance numbers: two letters, six digits, an optional suffix letter.
# Any two letters, not only the prefixes HMRC issues: people copy the QQ example too.
_NI_NUMBER = re.compile(
    r"\b[A-Z]{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}(?:[ -]?[A-D])?\b", re.I
)
# Full postcodes in every shape Royal Mail issues, and GIR 0AA. An inward part that
# reads as an ordinal ("M6 2nd junction") counts only in capitals ("M6 2ND").
_POSTCODE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRVWXY\d]?)"
    r" ?(?!(?-i:1st|2nd|3rd|\dth)\b)\d[ABD-HJLNP-UW-Z]{2})\b",
    re.I,
)
# Outward codes alone ("LS6", "M14") are also road names ("M6", "A1"), vitamins and
# more, so they count only after a cue. "postcode" (or "live in") takes any area;
# "in", "from", "near", "around", "to" and "… area" take the real postcode areas
# written in capitals, M excepted (motorways: "stuck in M6 traffic").
_AREAS = (
    "AB|AL|BA|BB|BD|BH|BL|BN|BR|BS|BT|CA|CB|CF|CH|CM|CO|CR|CT|CV|CW|DA|DD|DE|DG|DH|DL"
    "|DN|DT|DY|EC|EH|EN|EX|FK|FY|GL|GU|GY|HA|HD|HG|HP|HR|HS|HU|HX|IG|IM|IP|IV|JE|KA"
    "|KT|KW|KY|LA|LD|LE|LL|LN|LS|LU|ME|MK|ML|NE|NG|NN|NP|NR|NW|OL|OX|PA|PE|PH|PL|PO"
    "|PR|RG|RH|RM|SA|SE|SG|SK|SL|SM|SN|SO|SP|SR|SS|ST|SW|SY|TA|TD|TF|TN|TQ|TR|TS|TW"
    "|UB|WA|WC|WD|WF|WN|WR|WS|WV|YO|ZE"
)
_OUTWARD = rf"(?:{_AREAS}|[BEGLMNSW])\d[A-Z\d]?"
_OUTWARD_AFTER_POSTCODE = re.compile(
    rf"""(?ix)
    (\bpost\s?code(?:\s+(?:area|district))?(?:\s+(?:is|was|of))?\s*[:-]?\s*
    | \b(?:live[sd]?|living|stay(?:s|ed|ing)?)\s+(?:in|near|around)\s+(?:the\s+)?)
    ({_OUTWARD})(?![\w-])
    """
)
_OUTWARD_AFTER_PLACE_WORD = re.compile(
    rf"""(?x)
    (\b(?i:in|from|near|around|round|to)\s+(?:(?i:the)\s+)?)
    ((?:{_AREAS}|[BEGLNSW])\d[A-Z\d]?)(?![\w-])(?!\s+(?i:of)\b)
    | ()((?:{_AREAS}|[BEGLNSW])\d[A-Z\d]?)(?=\s+(?i:area)\b)
    """
)
# Phone numbers as people write them: 0 or +44 (or 0044) and nine or ten more
# digits, with spaces, dots, dashes, slashes and brackets between them. NFKC has
# already turned no-break and other spaces into plain ones.
_PHONE = re.compile(
    rf"(?<![\w+])(?:(?:\+|\b00)\s?44\s?(?:\(0\)\s?)?|\(?0)"
    rf"\d(?:[ ./{_DASHES})(-]{{0,3}}\d){{8,9}}(?!\d)"
)
# NHS numbers and any other long number: a run of at least nine digits, allowing the
# spaces, dashes, dots and brackets people write them with, and a +44. A list of
# years ("2018 2019 2020 2021") is not one.
_LONG_NUMBER = re.compile(
    rf"(?<!\w)[+(]?(?:\(?\d\)?[ .{_DASHES}-]{{0,3}}){{8,}}\(?\d\)?(?!\d)"
)
_YEARS = re.compile(rf"(?:19|20)\d\d(?:[ .{_DASHES}-]{{1,3}}(?:19|20)\d\d)*")

# Dates. A full date (day, month and year) can pin down a person or a report; a
# month and year ("March 2023") or a day and month ("the 14th") is kept, unless it
# follows a birth cue ("born on 12 March", "DOB 12/03").
_DAY = r"(?:3[01]|[12]\d|0?[1-9])"
_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_ORDINAL_DAY = rf"{_DAY}(?:st|nd|rd|th)?\b"
_NUMERIC_DATE = (
    rf"(?<![\w/.-])(?:{_DAY}([/.-]){_DAY}\1(?:(?:19|20)\d\d|\d\d)"
    rf"|(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:3[01]|[12]\d|0[1-9]))(?![\w/]|[.-]\d)"
)
_WORDY_DATE = (
    rf"(?:\b{_ORDINAL_DAY}(?:\s+of)?\s+{_MONTH_NAME},?"
    rf"|\b{_MONTH_NAME}\s+(?:the\s+)?{_ORDINAL_DAY},?)"
)
# Each long pattern begins with a look-ahead for the characters a match can start
# with: Python's engine then skips most positions at once (a third of the time).
_FULL_DATE = re.compile(
    rf"(?i)(?=[\dadfjmnos])"
    rf"(?:{_NUMERIC_DATE}|{_WORDY_DATE}\s+(?:(?:19|20)\d\d|['’]\d\d)\b)"
)
_BIRTH_DATE = re.compile(
    rf"""(?ix)
    (\b(?:d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date|birthday
      |born(?:\s+(?:on|in))?)
    (?:\s+(?:is|was|of))?\s*[:-]?\s*)
    (
      (?<![\w/.-]){_DAY}[/.-]{_DAY}(?:[/.-](?:(?:19|20)\d\d|\d\d))?(?![\w/]|[.-]\d)
      | {_WORDY_DATE}(?:\s+(?:(?:19|20)\d\d|['’]?\d\d)\b)?
      | \b{_MONTH_NAME}\s+(?:19|20)\d\d\b
    )
    """
)

# Police crime and incident references. "crime number", "reference number", "ref"
# and the like take any reference with a digit; a bare "incident", "log", "case" or
# "occurrence" needs three digits or a slash, and never takes a year alone, 999,
# 101 or 111 ("the incident 2 weeks ago", "in case 999 was busy").
_REFERENCE = re.compile(
    rf"""(?ix)
    (?=[cilojprsu])
    (?:(?P<strong>\bcrime\s*(?:ref(?:erence)?\.?|report)?\s*(?:number|no\.?|num|\#)
       | \bcrime\s+ref(?:erence)?\b\.?
       | \b(?:police\s+)?ref(?:erence)?\.?\s*(?:number|no\b\.?|num\b|\#)
       | \bref\b\.?
       | \b(?:incident|log|occurrence|case|job|report|cad|storm)
         \s*(?:number|no\b\.?|num\b|ref(?:erence)?\b\.?|\#)
       | \burn\b)
     | (?P<weak>\b(?:incident|log|occurrence|case|reference)\b))
    (?P<gap>(?:\s+(?:is|was))?\s*[:#=-]?\s*)
    (?P<ref>[a-z]{{0,5}}[/-]?\d[\da-z]*(?:[/-][\da-z]+)*
      (?:\s+of\s+(?:{_DAY}[/.-]{_DAY}(?:[/.-]\d{{2,4}})?(?![\w/])
                 |{_WORDY_DATE}(?:\s+(?:19|20)\d\d\b)?))?)
    (?![\w/])
    """
)
_NOT_REFERENCES = re.compile(r"(?:19|20)\d\d|999|101|111|112|55")
# A crime number written without a cue: letters, a long number and a year
# ("CR/123456/24"), or a number of five digits or more and a two-digit year.
_BARE_REFERENCE = re.compile(
    r"(?<![\w/])(?:[A-Z]{1,4}[/-]\d{3,}[/-]\d{2,4}|\d{1,2}/\d{5,}/\d{2}|\d{5,}/\d{2})"
    r"(?![\w/])"
)

# Vehicle registrations: the current format (AB12 CDE), and the older prefix (A123 BCD)
# and suffix (ABC 123D) ones. The older ones count only in capitals, and the current
# one in small letters only without a space ("ab12cde"), so "m6 and" or "fy24 was"
# stay; "M6" and "A1" alone are never one. After "reg" or "number plate" any letters
# and digits go.
_REGISTRATION = re.compile(
    r"""(?x)
    (?<![\w-])
    (?:[A-Z]{2}\d{2}\ ?[A-Z]{3}
      | (?i:[a-z]{2}\d{2}[a-z]{3})
      | [A-HJ-PR-Y]\d{1,3}\ ?[A-Z]{3}
      | [A-Z]{3}\ ?\d{1,3}[A-Z])
    (?![\w-])
    """
)
_REGISTRATION_AFTER_CUE = re.compile(
    r"""(?ix)
    (\b(?:reg(?:istration)?\b(?:\s+(?:number|no\b\.?|plate|mark))?|number\s*plate
      |plate\s+number)
    (?:\s+(?:is|was))?\s*[:#-]?\s*)
    ((?=[a-z]{0,4}\d)[a-z\d]{2,4}(?:\ ?[a-z\d]{1,4})?)(?![\w-])
    """
)


# Street addresses: a house number, up to three words of street name and a word
# for the kind of street. Name words in small letters count only when they are not
# ordinary words or counts ("2 hours on the road", "a 10 minute walk").
_STREET_TYPES = (
    r"road|rd|street|st|lane|ln|avenue|ave|close|drive|dr|way|crescent|cres|court|ct"
    r"|gardens|gdns|place|pl|terrace|grove|hill|park|square|sq|row|walk|mews|view"
    r"|rise|green|parade|vale|gate|mount|fields|croft|chase|boulevard|wharf|yard|brow"
    r"|circus|approach|grange|hall|estate|copse|glade|dale|meadow|meadows|orchard"
)
_ADDRESS = re.compile(
    rf"""(?x)
    (?<![\w/.,£$€-])(?:(?i:no\.?|number)\s*)?
    \d{{1,4}}[a-zA-Z]?(?:\s?[-/{_DASHES}]\s?\d{{1,4}}[a-zA-Z]?)?,?\s+
    (?P<name>(?:[^\W\d_]+(?:['’-][^\W\d_]+)*\.?\s+){{1,3}})
    (?P<type>(?i:{_STREET_TYPES}))\b\.?
    """
)
_FLAT = re.compile(
    r"""(?ix)
    \b(?:flat|apartment|apt\b\.?)\s*(?:no\b\.?\s*|number\s+)?\d{1,4}[a-z]?\b
    (?!\s+(?:years?|yrs?|months?|weeks?|days?|hours?|hrs?|times?|mins?|minutes?
          |nights?|floors?|storeys?|doors?)\b)
    """
)


def strip_format_characters(text: str) -> str:
    """Free text without Unicode format characters (category Cf).

    Right-to-left overrides and isolates (U+202A-U+202E, U+2066-U+2069) can make a
    comment read differently on a staff page than what was typed, and zero-width
    characters can hide an e-mail address or a phone number from redaction. No
    letter is Cf, so text in Arabic, Hebrew or any other script is kept as typed.
    """
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def normalise(text: str) -> str:
    """Free text without format characters, in Unicode normal form NFKC.

    NFKC turns the look-alikes people (or keyboards) use into plain characters:
    fullwidth and mathematical digits and letters, no-break and other spaces, the
    non-breaking hyphen, ligatures. So "０７７００ ９００１２３" and "07700\u00a0900123"
    are caught like any phone number. The stored text is the normalised text: it reads
    the same, except that a few characters become their plain forms ("ﬁ" becomes
    "fi", "²" becomes "2", "½" becomes "1⁄2"). No character's NFKC form holds a
    format character, so stripping them once, first, is enough.
    """
    return unicodedata.normalize("NFKC", strip_format_characters(text))


def _cued(pattern: re.Pattern, text: str) -> str:
    """Text with group 2 of each match of a cue-and-value pattern removed."""

    def replace(match: re.Match) -> str:
        for cue, value in zip(match.groups()[::2], match.groups()[1::2], strict=True):
            if value is not None:
                return (cue or "") + REMOVED
        return match.group(0)

    return pattern.sub(replace, text)


def _redact_reference(match: re.Match) -> str:
    """A police reference replaced, keeping its cue, when it is one (see _REFERENCE)."""
    ref = match["ref"]
    if match["weak"]:
        number = ref.split()[0]
        digits = sum(char.isdigit() for char in number)
        if _NOT_REFERENCES.fullmatch(number) or (digits < 3 and "/" not in number):
            return match.group(0)
    return match.group(0)[: match.start("ref") - match.start()] + REMOVED


def _redact_address(match: re.Match) -> str:
    """A street address replaced when its name words look like a street's name."""
    words = match["name"].split()
    capitalised = all(word[0].isupper() for word in words) and (
        match["type"][0].isupper()
    )
    if capitalised:
        return REMOVED
    if len(words) <= 2 and not any(
        word.lower().rstrip(".") in ORDINARY_WORDS for word in words
    ):
        return REMOVED
    return match.group(0)


def _redact_long_number(match: re.Match) -> str:
    """A long number replaced, unless it is a list of years."""
    if _YEARS.fullmatch(match.group(0)):
        return match.group(0)
    return REMOVED


def _redact_once(text: str) -> str:
    """One pass of every pattern, most specific first."""
    text = _SPELLED_EMAIL.sub(REMOVED, text)
    for pattern in (_EMAIL, _URL, _HANDLE):
        text = pattern.sub(REMOVED, text)
    text = _REFERENCE.sub(_redact_reference, text)
    text = _BARE_REFERENCE.sub(REMOVED, text)
    text = _cued(_BIRTH_DATE, text)
    text = _FULL_DATE.sub(REMOVED, text)
    text = _cued(_REGISTRATION_AFTER_CUE, text)
    for pattern in (_REGISTRATION, _NI_NUMBER, _POSTCODE):
        text = pattern.sub(REMOVED, text)
    text = _cued(_OUTWARD_AFTER_POSTCODE, text)
    text = _cued(_OUTWARD_AFTER_PLACE_WORD, text)
    text = _FLAT.sub(REMOVED, text)
    text = _ADDRESS.sub(_redact_address, text)
    text = redact_names(text, REMOVED)
    text = _PHONE.sub(REMOVED, text)
    return _LONG_NUMBER.sub(_redact_long_number, text)


def redact(text: str) -> str:
    """Replace contact details and identifying details in free text with [removed].

    Format characters go first, then NFKC ("someone\u200b@example.com" and a phone
    number with no-break spaces are caught too). What one pass leaves can read
    differently with markers in it, so passes repeat until nothing changes (at most
    a few: every pass that changes the text removes something).
    """
    text = normalise(text)
    for _ in range(5):
        redacted = _redact_once(text)
        if redacted == text:
            break
        text = redacted
    return text
