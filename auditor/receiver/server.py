"""Serve the receiver with uvicorn, guarded against clients that hold sockets: a deadline for
the TLS handshake and one for the request headers (slowloris), a cap on unfinished
handshakes overall and per source address, a connection cap overall and per source, short
keep-alive, a small header limit, and as many descriptors as the system allows."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import resource
import ssl
from collections import Counter
from collections.abc import Callable
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
    # TCP connections still in their TLS handshake: asyncio would hand them to us only once
    # it is done, so idle sockets from one address could take every descriptor unseen
    max_handshakes: int = 512
    max_handshakes_per_source: int = 16
    # reverse proxies in front (nginx, Caddy): their connections carry many clients, so
    # they are not held to one source's share, and only their X-Forwarded-For is believed
    proxies: frozenset[str] = frozenset()


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
            proxied = self._source in limits.proxies
            if len(self.connections) > limits.max_connections:
                log.warning(say("receiver.log.cap", limit=limits.max_connections))
                transport.abort()  # no TLS goodbye: a hostile peer would hold it open
                return
            if per_source[self._source] > limits.max_per_source and not proxied:
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
        # X-Forwarded-For only from the proxies named (uvicorn would believe 127.0.0.1's)
        proxy_headers=bool(limits.proxies),
        forwarded_allow_ips=",".join(sorted(limits.proxies)),
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


class _Handshakes:
    """Unfinished TLS handshakes, overall and by source address."""

    def __init__(self, limits: ServerLimits, say: Messages) -> None:
        self.limits, self.say = limits, say
        self.by_source: Counter[str] = Counter()

    def admit(self, source: str) -> bool:
        if sum(self.by_source.values()) >= self.limits.max_handshakes:
            log.warning(self.say("receiver.log.handshake_cap", limit=self.limits.max_handshakes))
            return False
        if (
            self.by_source[source] >= self.limits.max_handshakes_per_source
            and source not in self.limits.proxies
        ):
            limit = self.limits.max_handshakes_per_source
            log.warning(self.say("receiver.log.handshake_per_source", source=source, limit=limit))
            return False
        self.by_source[source] += 1
        return True

    def done(self, source: str) -> None:
        self.by_source[source] -= 1
        if self.by_source[source] <= 0:
            del self.by_source[source]


class _TlsGate(asyncio.Protocol):
    """Our own accept path for TLS: the raw connection is counted against its source's
    budget of unfinished handshakes (refused at once over it), the handshake runs under its
    deadline, and only then is the HTTP protocol given the encrypted transport. Data that
    arrives with the handshake's last flight is kept until then."""

    def __init__(
        self,
        inner: Callable[[], asyncio.Protocol],
        context: ssl.SSLContext,
        handshakes: _Handshakes,
        timeout_s: float,
    ) -> None:
        self.make_inner, self.context, self.handshakes, self.timeout_s = (
            inner,
            context,
            handshakes,
            timeout_s,
        )
        self.inner: asyncio.Protocol | None = None
        self.early: list[bytes] = []
        self.task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        peer = transport.get_extra_info("peername")
        source = str(peer[0]) if isinstance(peer, tuple) else "?"
        if not self.handshakes.admit(source):
            transport.abort()
            return
        self.task = asyncio.get_running_loop().create_task(self._handshake(transport, source))

    async def _handshake(self, raw: asyncio.Transport, source: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            secured = await loop.start_tls(
                raw, self, self.context, server_side=True, ssl_handshake_timeout=self.timeout_s
            )
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError, asyncio.CancelledError):
            raw.abort()
            return
        finally:
            self.handshakes.done(source)
        if secured is None:
            raw.abort()
            return
        self.inner = self.make_inner()
        self.inner.connection_made(secured)
        for data in self.early:
            self.inner.data_received(data)
        self.early.clear()

    def data_received(self, data: bytes) -> None:
        if self.inner is None:
            self.early.append(data)
        else:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.inner is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.inner is not None:
            self.inner.connection_lost(exc)
        elif self.task is not None:
            self.task.cancel()

    def pause_writing(self) -> None:
        if self.inner is not None:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.inner is not None:
            self.inner.resume_writing()


_M_ARENA_MAX = -8  # glibc's mallopt parameter for the number of heaps ("arenas")


def limit_malloc_arenas(count: int = 2) -> bool:
    """glibc gives threads that allocate at the same time heaps of their own and keeps what
    was freed in each: with four upload threads the receiver stayed about twice an upload's
    size bigger per upload after the uploads were done. Two heaps keep the resident memory
    near what is live (bench/RESULTS.md). True when the C library took the setting."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_ARENA_MAX, count))
    except (OSError, AttributeError):  # not glibc: nothing to limit
        return False


def serve(config: uvicorn.Config, limits: ServerLimits, t: Messages | None = None) -> None:
    """Run the server on an event loop whose TLS listeners accept through `_TlsGate`: a
    bounded number of unfinished handshakes per source, each under the header deadline
    (asyncio's own default waits a minute). Heaps are limited first, before any thread."""
    limit_malloc_arenas()
    handshakes = _Handshakes(limits, t or Messages("vi"))

    class GatedTls(asyncio.SelectorEventLoop):
        async def create_server(  # type: ignore[override]
            self, protocol_factory: Callable[[], asyncio.Protocol], *args: Any, **kwargs: Any
        ) -> asyncio.Server:
            context = kwargs.pop("ssl", None)
            if context is None:
                return await super().create_server(protocol_factory, *args, **kwargs)

            def gate() -> _TlsGate:
                return _TlsGate(protocol_factory, context, handshakes, limits.header_timeout_s)

            return await super().create_server(gate, *args, **kwargs)

    server = uvicorn.Server(config)
    with asyncio.Runner(loop_factory=GatedTls) as runner:
        runner.run(server.serve())
