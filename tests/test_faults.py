"""No 500 under faults (issue 14): odd input, a database that cannot be opened or
written, and imports that would store nonsense (docs/privacy.md, "When the database
fails")."""

import time

import pytest
from helpers import SECRET, post_form

from survey import integrity


def _token():
    """A valid form token for this hour."""
    return integrity.issue_token(SECRET, int(time.time()) // 3600)


@pytest.mark.parametrize("page", ["²", "③", "١", "1²"])
def test_page_number_in_other_digits_is_a_400(client, link, page):
    data = {"token": _token(), "page": page, "nav": "next"}
    response = post_form(client, link["code"], data)
    assert response.status_code == 400


def test_account_id_past_sqlite_integers_is_a_404(personas):
    admin = personas["admin"]
    assert admin.get("/staff/users/99999999999999999999").status_code == 404
    assert admin.get("/staff/users/9223372036854775808").status_code == 404
