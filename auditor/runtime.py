"""What every command shares and must stay cheap to import: exit codes and who is acting."""

from __future__ import annotations

import getpass

EXIT_MET, EXIT_FINDINGS, EXIT_INPUT, EXIT_COLLECTION = 0, 1, 2, 3


def default_actor() -> str:
    """Who did it, for the findings history: the login name of whoever runs the auditor."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


ORG_ASSET = "*"  # the asset id of organisation-level results (documents, officers)
