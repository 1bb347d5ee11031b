"""What the library records of its work, through the standard `logging` module: one named
logger per part ("auditor.collect", "auditor.engine", "auditor.store", "auditor.upload"),
each record's message a catalogue code and its argument the code's parameters, so that the
CLI's handlers (the console, `--log-file`) say it in the officer's language. Nothing below
the CLI prints; without handlers the records go nowhere.
"""

from __future__ import annotations

import logging
from typing import Any

logging.getLogger("auditor").addHandler(logging.NullHandler())


def event(logger: logging.Logger, level: int, key: str, /, **params: Any) -> None:
    """Record `key` (a `log.*` catalogue key) with its parameters."""
    if logger.isEnabledFor(level):
        # logging unwraps a lone mapping into the record's args only when it is not empty
        logger.log(level, key, params) if params else logger.log(level, key)
