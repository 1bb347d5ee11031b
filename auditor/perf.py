"""Keep CPython's cyclic garbage collector out of allocation-heavy phases."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Evaluating and rendering build hundreds of thousands of long-lived objects and no
    reference cycles; the collector would rescan all of them again and again as they pile
    up (a third of the engine's time on 10,000 hosts). Reference counting still frees
    everything; the collector resumes afterwards. The objects made meanwhile are frozen
    first: re-enabled with them pending, the collector's next pass would scan them all at
    once (a quarter of a second for 3,000 hosts)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()
