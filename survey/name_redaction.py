"""Names in free text: the words after a cue such as "my name is" or "called", which
redaction (survey/redaction.py) takes out, and the ordinary words that are no name."""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    """The words of a list written as text."""
    return frozenset(text.split())


# Words too ordinary to be a name (or, in an address, a street's name).
ORDINARY_WORDS = _words(
    """
    a about after again all also am an and any are around as at away back be because
    been before being big both but by came can come could day days did do down each
    even every few for from get go going got had has have he her here him his hour
    hours i if in into is it its just kids last left like little lot lots many me
    mile miles min mins minute minutes month months more most much my near never new
    next night nights no not now of off old on once one only or other our out over
    people police officers officer calls call cars car said same saw second seconds
    she so some still than that the their them then there these they this those
    through time times to too two up us very was we week weeks went were what when
    where which while who will with would year years yes yet you your
    added already changed cleared down dragged everywhere given kept known left listed
    mentioned missing mud printed put recorded removed right shared spelt spelled
    taken there used withheld written wrong important irrelevant private common
    ہے ہیں تھا تھی تھے اور کیا نہیں بھی
    """
)

# Names after a cue. "my name is", "his name was", "name:" take the next words in
# any case unless they are ordinary words ("my name is not important"); "called",
# "named", "I'm called" take only capitalised words, and not the names of services
# or days ("called the police", "called Refuge", "called Monday"). The survey is
# offered in Welsh, Polish and Urdu too (docs/languages.md): their commonest cues
# are here as well. Welsh and Polish names are capitalised, so their cues take only
# capitalised words; Urdu has no capitals, so "میرا نام" takes the next words as
# "my name is" does (the verb after the name may go with it).
_NAME_CUE = re.compile(
    r"""(?ix)
    (?P<strong>\b(?:my|his|her|their|your|our|the\s+(?:man|woman|person|officer)['’]s)
        \s+(?:(?:first|real|full|last|middle|maiden|sur|nick|christian|given|family)
        \s?)?names?(?:['’]s|\s+(?:is|was|are|were)|\s*:)
      | (?<![\w-])name\s*:
      | (?:میرا|میری|اس\s+کا|اس\s+کی|اُس\s+کا|ان\s+کا)\s+نام)
    | (?P<weak>\b(?:called|named|calls\s+(?:himself|herself|themselves)
      | (?:fy|ei|eu)\s+enw(?:\s+(?:i|e|o|hi|nhw))?\s+(?:yw|ydy|oedd)
      | enw\s+(?:fi|fe|hi)\s+(?:yw|ydy|oedd)
      | nazywa(?:m|sz|ją)?\s+się | nazywał[aoy]?\s+się
      | ma(?:m|sz|ją)?\s+na\s+imię | (?:moje|jego|jej)\s+imię\s+(?:to|jest)))
    """
)
_NAME_WORD = re.compile(r"[ \t]*([^\W\d_]+(?:['’-][^\W\d_]+)*)(\.?)")
_TITLES = _words(
    """
    mr mrs ms miss mx dr pc dc ds di sgt insp sir pcso officer detective constable
    sergeant inspector
    """
)
_NOT_NAMES = _words(
    """
    police refuge victim victims women's womens women men's mens samaritans childline
    crimestoppers social nhs shelter citizens action national domestic the a an my
    his her their our your me him them us it i out off back up round in on over
    emergency ambulance fire council housing court courts mum dad mom mam nan gran
    monday tuesday wednesday thursday friday saturday sunday january february march
    april may june july august september october november december christmas easter
    mind galop respect solace safelives idva isva idvas isvas him he she they we you
    asb marac mash cps iopc
    """
)


def _name_end(text: str, position: int, *, strong: bool) -> int:
    """Where the name that follows a cue ends (position itself when there is none)."""
    end = position
    taken = 0
    while taken < 4:
        word = _NAME_WORD.match(text, end)
        if not word:
            break
        name = word.group(1)
        # "Refuge’s" is looked up as "refuge".
        lower = re.sub(r"['’]s$", "", name.lower())
        if lower in _TITLES:
            end = word.end()
            continue
        if name[0].isupper() and name != "I":
            if taken == 0 and not strong and lower in _NOT_NAMES:
                break
        elif not (strong and lower not in ORDINARY_WORDS and lower not in _NOT_NAMES):
            break
        end = word.end(1)
        taken += 1
    return end if taken else position


def redact_names(text: str, removed: str) -> str:
    """Text with the name after each cue ("my name is", "called") put as `removed`."""
    pieces = []
    done = 0
    for cue in _NAME_CUE.finditer(text):
        if cue.start() < done:
            continue
        gap = re.match(r"[ \t]*", text[cue.end() :]).end()
        start = cue.end() + gap
        end = _name_end(text, start, strong=bool(cue["strong"]))
        if end > start:
            pieces += [text[done:start], removed]
            done = end
    pieces.append(text[done:])
    return "".join(pieces)
