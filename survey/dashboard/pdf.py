"""The printed quarterly report as a PDF, laid out by WeasyPrint from the report's HTML.

WeasyPrint fetches nothing from the network: its URL fetcher serves the app's own
static files from disk and data: URIs (the charts), and refuses every other address,
so a PDF never depends on, or tells, another server; like the page, it shows
released figures only (docs/disclosure.md). Its fonts are the system fonts the
stylesheet names, as on the page: the stylesheet is built without the GDS Transport
font (assets/survey.scss).
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.security import safe_join

if TYPE_CHECKING:  # WeasyPrint loads only when a PDF is first made
    from weasyprint import Document


class RefusedURL(ValueError):
    """An address the report's PDF may not fetch: anything not the app's own."""


def local_fetcher(base_url: str, static_folder: str):
    """A WeasyPrint URL fetcher for the app's static files and data: URIs only.

    Refusing stops the rendering (fail_on_errors), so a report that would need an
    outside address fails where it can be seen rather than printing without it.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static = f"{base_url.rstrip('/')}/static/"

    class LocalFetcher(URLFetcher):
        """Serves /static/ from disk and data: URIs; refuses the rest."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)  # decoded here: no network
            if url.startswith(static):
                name = url[len(static) :].split("?")[0].split("#")[0]
                path = safe_join(static_folder, name)
                if path is None or not Path(path).is_file():
                    raise RefusedURL(f"no such static file: {name}")
                kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
                body = Path(path).read_bytes()
                return URLFetcherResponse(url, body, {"Content-Type": kind})
            raise RefusedURL(f"the report's PDF fetches nothing from {url}")

    return LocalFetcher(fail_on_errors=True)


def render(html: str, base_url: str, static_folder: str) -> Document:
    """The report's pages laid out: a Document that can be written or inspected."""
    from weasyprint import HTML

    # WeasyPrint warns of every rule it does not know (GOV.UK Frontend's stylesheet has
    # hundreds, for browsers); what it could not fetch or read is still an error.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = local_fetcher(base_url, static_folder)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
