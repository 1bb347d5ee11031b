"""The reference receiver served over HTTPS by uvicorn on 127.0.0.1, in a thread, with the
commune that signs the test reports registered and one province account."""

from __future__ import annotations

import ssl
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from cryptography import x509

from auditor.receiver.accounts import add_account
from auditor.receiver.app import create_app
from auditor.receiver.server import server_config
from auditor.receiver.store import add_commune
from auditor.report.signing import fingerprint
from tests.https_server import make_certs
from tests.sshd import free_port

PROVINCE_USER, PROVINCE_PASSWORD = "so-tttt", "mật-khẩu-đủ-dài-1"


class Receiver:
    def __init__(
        self,
        root: Path,
        trust: list[x509.Certificate],
        *,
        wrap: Any = None,
        port: int | None = None,
        client_ca: Path | None = None,
        communes: dict[str, x509.Certificate] | None = None,
    ) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.ca, cert, key = make_certs(root, expired=False)
        self.db = f"sqlite:///{root}/received.db"
        app: Any = create_app(self.db, trust)
        registered = communes if communes is not None else {"UBND xã Thử": trust[0]}
        self.tokens = {
            name: add_commune(app.state.engine, name, fingerprint(c))
            for name, c in registered.items()
        }
        self.token = next(iter(self.tokens.values()), "")
        add_account(app.state.engine, PROVINCE_USER, PROVINCE_PASSWORD)
        self.port = port or free_port()
        config = server_config(
            wrap(app) if wrap else app,
            host="127.0.0.1",
            port=self.port,
            tls_cert=cert,
            tls_key=key,
            ssl_cert_reqs=ssl.CERT_REQUIRED if client_ca else ssl.CERT_NONE,
            ssl_ca_certs=str(client_ca) if client_ca else None,
            log_level="critical",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"https://localhost:{self.port}"

    def get(self, path: str) -> httpx.Response:
        """A read as province staff."""
        return httpx.get(
            self.url + path,
            verify=ssl.create_default_context(cafile=str(self.ca)),
            auth=(PROVINCE_USER, PROVINCE_PASSWORD),
        )

    def __enter__(self) -> Receiver:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
