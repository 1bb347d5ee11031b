"""The `auditor` command line: click commands that parse options and call the library.

Exit codes: 0 all requirements met, 1 findings, 2 usage or input error,
3 some assets could not be collected. Each module registers one family of commands.
"""

from auditor.cli import (  # noqa: F401  (importing registers the commands on `main`)
    delivery_commands,
    guidance_commands,
    history_commands,
    incident_commands,
    report_commands,
    setup_commands,
)
from auditor.cli.app import main

__all__ = ["main"]
