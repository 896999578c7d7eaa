"""`python -m survey report`: the report command (survey/report_command.py)."""

from survey.report_command import main

raise SystemExit(main())
