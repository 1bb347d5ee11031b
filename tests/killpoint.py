"""Run the command line and kill the process (SIGKILL, nothing cleaned up) at a chosen step:
the Nth SQL statement, the Nth commit or the Nth rename. Without a step, count them, so a test
can kill an audit at every step it takes instead of at random times.

    KILL_AT=sql:17 python -m tests.killpoint audit -i inventory.yaml -o out/
    KILL_COUNT=counts.json python -m tests.killpoint audit …
"""

from __future__ import annotations

import atexit
import json
import os
import signal
from collections import Counter
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

steps: Counter[str] = Counter()
kind, _, number = os.environ.get("KILL_AT", "").partition(":")
kill_at = (kind, int(number)) if number else None


def step(name: str) -> None:
    steps[name] += 1
    if kill_at == (name, steps[name]):
        os.kill(os.getpid(), signal.SIGKILL)


def _statement(*_args: Any) -> None:
    step("sql")


def _commit(*_args: Any) -> None:
    step("commit")


event.listen(Engine, "before_cursor_execute", _statement)
event.listen(Engine, "commit", _commit)
_replace = os.replace


def _counted_replace(*args: Any, **kwargs: Any) -> None:
    step("replace")
    _replace(*args, **kwargs)
    step("replaced")


os.replace = _counted_replace  # type: ignore[assignment]

if count_file := os.environ.get("KILL_COUNT"):

    @atexit.register
    def _write_counts() -> None:
        with open(count_file, "w", encoding="utf-8") as out:
            json.dump(dict(steps), out)


if __name__ == "__main__":
    from auditor.cli import main

    main()
