"""The survey service: the web application (survey.app) and what it stores.

`create_app` is imported from survey.app only when it is called, so that a command
that needs only storage and releases (`python -m survey report`) does not load
Flask, the dashboard and SciPy first: that would cost it a second at every run
(docs/performance.md, the report).
"""


def create_app(test_config=None):
    """Build the app: defaults, then instance/config.py, then SURVEY_* variables."""
    from survey.app import create_app as create  # here, not at the top: see above

    return create(test_config)
