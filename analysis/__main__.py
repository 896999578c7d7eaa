"""The report command has moved: `python -m survey report` (survey/report_command.py).

The analysis package is pure statistics and reads no database.
"""

import sys

sys.exit("The report command is now: python -m survey report --db PATH (README)")
