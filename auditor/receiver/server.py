"""Serve the receiver with uvicorn, guarded against clients that hold sockets: a deadline for
the TLS handshake and one for the request headers (slowloris), a connection cap overall and
per source address, short keep-alive, a small header limit, and as many descriptors as the
system allows."""

from __future__ import annotations

import asyncio
import logging
import resource
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from auditor.messages.catalogue import Messages
from auditor.receiver.app import AccessLog

log = logging.getLogger("auditor.receiver")


@dataclass(frozen=True)
class ServerLimits:
    max_connections: int = 256
    max_per_source: int = 32  # one address cannot take the whole budget
    header_timeout_s: float = 10.0  # also the deadline of the TLS handshake
    keep_alive_s: int = 5


def guarded_protocol(limits: ServerLimits, t: Messages | None = None) -> type[H11Protocol]:
    """H11Protocol that closes a connection over the cap at once, and any connection whose
    request headers have not all arrived within the deadline (said in the log in `t`'s
    language)."""

    per_source: Counter[str] = Counter()
    say = t or Messages("vi")  # the CLI passes the operator's language

    class Guarded(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None
        _source: str | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            peer = transport.get_extra_info("peername")
            self._source = str(peer[0]) if isinstance(peer, tuple) else "?"
            per_source[self._source] += 1
            if len(self.connections) > limits.max_connections:
                log.warning(say("receiver.log.cap", limit=limits.max_connections))
                transport.abort()  # no TLS goodbye: a hostile peer would hold it open
                return
            if per_source[self._source] > limits.max_per_source:
                log.warning(
                    say("receiver.log.per_source", source=self._source, limit=limits.max_per_source)
                )
                transport.abort()
                return
            self._arm()

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(limits.header_timeout_s, self._expire)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expire(self) -> None:
            self._header_timer = None
            if self.cycle is None or self.cycle.response_complete:
                self.transport.abort()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            waiting_for_headers = self.cycle is None or self.cycle.response_complete
            if waiting_for_headers:
                self._arm()
            else:
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._source is not None:
                per_source[self._source] -= 1
                if per_source[self._source] <= 0:
                    del per_source[self._source]
                self._source = None
            super().connection_lost(exc)

    return Guarded


def server_config(
    app: Any,
    *,
    host: str,
    port: int,
    tls_cert: Path,
    tls_key: Path,
    limits: ServerLimits | None = None,
    t: Messages | None = None,
    **extra: Any,
) -> uvicorn.Config:
    limits = limits or ServerLimits()
    return uvicorn.Config(
        AccessLog(app),
        host=host,
        port=port,
        ssl_certfile=str(tls_cert),
        ssl_keyfile=str(tls_key),
        http=guarded_protocol(limits, t),
        limit_concurrency=limits.max_connections + 16,
        timeout_keep_alive=limits.keep_alive_s,
        h11_max_incomplete_event_size=16 * 1024,
        server_header=False,
        access_log=False,
        lifespan="off",
        **extra,
    )


def raise_descriptor_limit(wanted: int = 65536) -> int:
    """Open-file limit up to what the system allows (a receiver's budget of connections);
    the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def serve(config: uvicorn.Config, handshake_timeout_s: float) -> None:
    """Run the server on an event loop whose TLS listeners close a connection that has not
    finished its handshake in time (asyncio's own default waits a minute)."""

    class TimelyTls(asyncio.SelectorEventLoop):
        async def create_server(self, *args: Any, **kwargs: Any) -> asyncio.Server:
            if kwargs.get("ssl") is not None:
                kwargs.setdefault("ssl_handshake_timeout", handshake_timeout_s)
            return await super().create_server(*args, **kwargs)

    server = uvicorn.Server(config)
    with asyncio.Runner(loop_factory=TimelyTls) as runner:
        runner.run(server.serve())
