"""Passing a link on: its QR code as a download, a text message and an e-mail.

Whatever a support worker sends may be read by the person who hurts the one it is
sent to, on a phone they check: every word here is as discreet as a hand-out card's,
and says nothing about abuse, crime, victims or the police.
"""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import segno

# The message's wording: the card's own ("Have your say about local services"), so a
# text or an e-mail reads like any other request for feedback.
SMS_TEXT = (
    "Have your say about local services: a short anonymous survey, about 5 minutes."
)
EMAIL_SUBJECT = "Have your say about local services"
EMAIL_TEXT = (
    "Hello,\n\n"
    "We would like to hear your views on local services. It is a short survey, about "
    "5 minutes, and it does not ask for your name:\n\n"
    "{url}\n\n"
    "Thank you."
)

QR_FORMATS = ("png", "svg")


def sms_text(url: str) -> str:
    """The text message, with the survey's address at its end."""
    return f"{SMS_TEXT} {url}"


def sms_href(url: str) -> str:
    """An sms: address that opens the phone's messaging app with the text filled in.

    No number, so the worker picks the person; `sms:?&body=` is read by iOS and
    Android alike (iOS wants the `&`, Android ignores it).
    """
    return "sms:?&body=" + quote(sms_text(url), safe="")


def email_body(url: str) -> str:
    """The e-mail's text, with the survey's address in it."""
    return EMAIL_TEXT.format(url=url)


def mailto_href(url: str) -> str:
    """A mailto: address with the subject and text filled in, no recipient.

    Spaces as %20 and line breaks as %0D%0A (RFC 6068): a + would show as itself.
    """
    body = email_body(url).replace("\n", "\r\n")
    return (
        f"mailto:?subject={quote(EMAIL_SUBJECT, safe='')}&body={quote(body, safe='')}"
    )


def qr_image(url: str, fmt: str) -> bytes:
    """The address's QR code as a PNG or an SVG file, for a poster or a newsletter.

    Medium error correction, as on the cards, and the standard quiet zone of four
    modules around it, which a poster or a page laid out by someone else may lack.
    A PNG of 20 pixels a module is about 740 pixels square for a 37-character
    address: sharp when printed 6 cm wide at 300 dots an inch.
    """
    if fmt == "png":
        buffer = io.BytesIO()
        segno.make(url, error="m").save(buffer, kind="png", scale=20, border=4)
        return buffer.getvalue()
    return qr_svg(url, scale=10, border=4, xmldecl=True)


def qr_svg(
    url: str, *, scale: int = 4, border: int = 2, xmldecl: bool = False
) -> bytes:
    """The address's QR code as SVG, with medium error correction, which survives a
    worn card. By default small, for an image on a page or a card (the card's own
    margin is its quiet zone); a file to download takes a larger scale and border.
    """
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer,
        kind="svg",
        scale=scale,
        border=border,
        xmldecl=xmldecl,
        svgns=True,
        title="QR code for the survey address",
    )
    return buffer.getvalue()


def qr_filename(link: dict, fmt: str) -> str:
    """A download's name: the link's label as letters, digits and hyphens, its code.

    Only those characters, so the name needs no quoting in Content-Disposition.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", link["label"].lower())[:40].strip("-")
    return (
        "-".join(part for part in ("qr-code", slug, link["code"]) if part) + f".{fmt}"
    )
