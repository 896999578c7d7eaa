# Gunicorn settings: no access log, ever. Respondent requests must leave no trace of
# who sent them (PRIVACY.md §2), and gunicorn's access log records client addresses.
accesslog = None
disable_redirect_access_to_syslog = True
errorlog = "-"
loglevel = "warning"
