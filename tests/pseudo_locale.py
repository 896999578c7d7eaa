"""A pseudo-locale made from translations/messages.pot: every string accented and
40% longer, so untranslated English stands out and long languages can be tried.

Placeholders (%(name)s, %%{count}, {force}), HTML tags and entities are kept as
they are; only the words between them change.
"""

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

POT = Path(__file__).resolve().parent.parent / "translations" / "messages.pot"
# Installed as Polish: a code the app knows, written left to right.
CODE = "pl"
ACCENTS = str.maketrans("aeiouncyAEIOUNCYsSzZ", "áéíöüñçýÁÉÍÖÜÑÇÝšŠžŽ")
PADDING = "ẋ"
# Characters only pseudo-text has: a text node holding none of them is English.
MARKS = frozenset("áéíöüñçýÁÉÍÖÜÑÇÝšŠžŽ" + PADDING)
# What must pass through untouched: format placeholders, tags, entities, braces.
_KEEP = re.compile(r"(%\([a-z_]+\)s|%%\{count\}|%\{count\}|\{[a-z_]+\}|<[^>]*>|&\w+;)")


def pseudo(text: str) -> str:
    """`text` accented between its placeholders and tags, and 40% longer."""
    parts = _KEEP.split(text)
    changed = "".join(
        part if _KEEP.fullmatch(part) else part.translate(ACCENTS) for part in parts
    )
    extra = max(1, round(len(text) * 0.4))
    # Padding in short words, so a long string can still wrap like real text.
    padding = " ".join(PADDING * 5 for _ in range((extra + 5) // 6))[:extra].strip()
    return f"{changed} {padding}" if padding else changed


def build(directory: Path) -> Path:
    """Write the pseudo catalogue as `directory`/pl/LC_MESSAGES/messages.mo."""
    with POT.open("rb") as source:
        template = read_po(source)
    catalog = Catalog(locale=CODE)
    for message in template:
        if message.id:
            catalog.add(message.id, pseudo(message.id), flags=message.flags)
    target = directory / CODE / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.mo").open("wb") as out:
        write_mo(out, catalog)
    return directory
