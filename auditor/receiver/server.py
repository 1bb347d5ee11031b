"""Serve the receiver with uvicorn, guarded against clients that hold sockets: a connection
cap, a deadline for the request headers (slowloris), short keep-alive, small header limit."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from auditor.receiver.app import AccessLog

log = logging.getLogger("auditor.receiver")


@dataclass(frozen=True)
class ServerLimits:
    max_connections: int = 256
    header_timeout_s: float = 10.0
    keep_alive_s: int = 5


def guarded_protocol(limits: ServerLimits) -> type[H11Protocol]:
    """H11Protocol that closes a connection over the cap at once, and any connection whose
    request headers have not all arrived within the deadline."""

    class Guarded(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > limits.max_connections:
                log.warning("connection cap reached (%d): closing", limits.max_connections)
                transport.abort()  # no TLS goodbye: a hostile peer would hold it open
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
    **extra: Any,
) -> uvicorn.Config:
    limits = limits or ServerLimits()
    return uvicorn.Config(
        AccessLog(app),
        host=host,
        port=port,
        ssl_certfile=str(tls_cert),
        ssl_keyfile=str(tls_key),
        http=guarded_protocol(limits),
        limit_concurrency=limits.max_connections + 16,
        timeout_keep_alive=limits.keep_alive_s,
        h11_max_incomplete_event_size=16 * 1024,
        server_header=False,
        access_log=False,
        lifespan="off",
        **extra,
    )
