"""The baseline for bench/submissions.py: a bare Flask endpoint doing one insert.

It opens the same database with the same pragmas (storage.connect), inserts the
posted answers as one response row, taken as they come, and empties the responses
file's log as every stored response does (docs/privacy.md §2): none of the survey's
checking, routing, token, rendering or headers.
"""

import os
import secrets

from flask import Flask, request

from survey import questionnaire, storage

app = Flask(__name__)
DATABASE = os.environ["BENCH_DATABASE"]
MULTI = {q.code for q in questionnaire.QUESTIONS if q.kind == "multi"}


@app.post("/insert")
def insert():
    """Store the posted answers as a response and say so."""
    db = storage.connect(DATABASE)
    try:
        answers = {
            code: values if code in MULTI else values[0]
            for code, values in request.form.lists()
            if code in questionnaire.BY_CODE
        }
        row = storage.response_row(
            answers,
            period="2026-W14",
            channel="bare",
            submission_id=secrets.token_hex(16),
        )
        storage.add_rows(db, [row])
        storage.empty_responses_log(db)
    finally:
        db.close()
    return "stored", 200
