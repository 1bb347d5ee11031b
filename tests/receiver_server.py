"""The reference receiver served over HTTPS by uvicorn on 127.0.0.1, in a thread."""

from __future__ import annotations

import ssl
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509

from auditor.receiver.app import create_app
from tests.https_server import make_certs
from tests.sshd import free_port


class Receiver:
    def __init__(
        self,
        root: Path,
        trust: list[x509.Certificate],
        *,
        wrap: Any = None,
        port: int | None = None,
        client_ca: Path | None = None,
    ) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.ca, cert, key = make_certs(root, expired=False)
        self.db = f"sqlite:///{root}/received.db"
        app: Any = create_app(self.db, trust)
        self.port = port or free_port()
        config = uvicorn.Config(
            wrap(app) if wrap else app,
            host="127.0.0.1",
            port=self.port,
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
            ssl_cert_reqs=ssl.CERT_REQUIRED if client_ca else ssl.CERT_NONE,
            ssl_ca_certs=str(client_ca) if client_ca else None,
            log_level="critical",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"https://localhost:{self.port}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
