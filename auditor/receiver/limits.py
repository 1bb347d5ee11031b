"""Token buckets for work an anonymous client can trigger (a login attempt), so that one
source or one account name cannot make the receiver hash passwords without end.

Each key (a source address, an account name) refills at `per_minute` up to `burst`; the
number of keys kept is bounded, the least recently used dropped first, so a flood of new
names costs a fixed amount of memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class Buckets:
    def __init__(self, per_minute: float, burst: int, max_keys: int = 20_000) -> None:
        self.rate, self.burst, self.max_keys = per_minute / 60.0, burst, max_keys
        self._tokens: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when allowed (one token taken), else the seconds until one is available."""
        now = time.monotonic()
        with self._lock:
            tokens, then = self._tokens.pop(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            self._tokens[key] = (tokens - 1 if wait == 0 else tokens, now)
            while len(self._tokens) > self.max_keys:
                self._tokens.popitem(last=False)
            return wait

    def give_back(self, key: str) -> None:
        """Return the token a successful attempt took: only failures use up the budget."""
        with self._lock:
            if key in self._tokens:
                tokens, then = self._tokens[key]
                self._tokens[key] = (min(float(self.burst), tokens + 1), then)


class LoginLimits:
    """Login attempts per source address and per account name, checked before any hash."""

    def __init__(self) -> None:
        self.by_source = Buckets(per_minute=20, burst=10)
        self.by_account = Buckets(per_minute=10, burst=10)

    def wait(self, source: str, account: str) -> int:
        """Seconds to wait before trying again (0: go ahead)."""
        wait = max(self.by_source.take(source), self.by_account.take(account.lower()[:64]))
        return int(wait) + 1 if wait else 0

    def succeeded(self, source: str, account: str) -> None:
        """A right password: the attempt is not held against the source or the account (an
        API client that sends its credentials with every request is not slowed down)."""
        self.by_source.give_back(source)
        self.by_account.give_back(account.lower()[:64])
