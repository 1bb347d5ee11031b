"""The receiver behind nginx, as deploy/nginx-receiver.conf sets it up (that very file, only
its paths and ports replaced): uploads and pages pass through; the receiver logs the real
client, never an address a client wrote itself; nginx's many connections are not held to
one client's share."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from tests.https_server import make_certs
from tests.sshd import free_port

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Fronted(NamedTuple):
    url: str  # nginx
    direct: str  # the receiver itself
    ca: Path
    log: Path
    demo: Path


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture(scope="module")
def fronted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fronted]:
    root = tmp_path_factory.mktemp("proxy")
    demo = root / "demo"
    db = f"sqlite:///{demo}/received.db"
    made = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "receiver", "demo", str(demo),
         "--communes", "2", "--reports", "1", "--db", db],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    ca, cert, key = make_certs(root, expired=False)
    inner, outer = free_port(), free_port()
    log = root / "receiver.log"
    receiver = subprocess.Popen(
        [sys.executable, "-m", "auditor.cli", "receiver", "serve", "--db", db,
         "--trust", str(demo / "trust.pem"), "--cert", str(cert), "--key", str(key),
         "--port", str(inner), "--proxy", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=log.open("wb"),
    )  # fmt: skip
    site = (ROOT / "deploy" / "nginx-receiver.conf").read_text(encoding="utf-8")
    common = (ROOT / "deploy" / "commune-auditor-proxy.conf").read_text(encoding="utf-8")
    for old, new in (
        ("listen 443 ssl;", f"listen 127.0.0.1:{outer} ssl;"),
        ("server 127.0.0.1:8443;", f"server 127.0.0.1:{inner};"),
        ("/etc/ssl/province/fullchain.pem", str(cert)),
        ("/etc/ssl/province/privkey.pem", str(key)),
        ("/etc/nginx/commune-auditor-proxy.conf", str(root / "proxy.conf")),
    ):
        assert old in site, old  # the example still says what the test replaces
        site = site.replace(old, new)
    (root / "proxy.conf").write_text(
        common.replace("/etc/commune-auditor/receiver-cert.pem", str(ca)), encoding="utf-8"
    )
    (root / "site.conf").write_text(site, encoding="utf-8")
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / folder).mkdir()
    (root / "nginx.conf").write_text(
        f"daemon off;\nworker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log;\n"
        "user root;\nevents { worker_connections 512; }\n"
        f"http {{\n  access_log {root}/access.log;\n  client_body_temp_path {root}/body;\n"
        f"  proxy_temp_path {root}/proxy;\n  fastcgi_temp_path {root}/fastcgi;\n"
        f"  uwsgi_temp_path {root}/uwsgi;\n  scgi_temp_path {root}/scgi;\n"
        f"  include {root}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", str(root / "error.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait(inner)
        _wait(outer)
        yield Fronted(f"https://localhost:{outer}", f"https://localhost:{inner}", ca, log, demo)
    finally:
        nginx.terminate()
        receiver.terminate()
        nginx.wait(timeout=10)
        receiver.wait(timeout=10)


def _client(f: Fronted, source: str) -> httpx.Client:
    context = ssl.create_default_context(cafile=str(f.ca))
    transport = httpx.HTTPTransport(local_address=source, verify=context)
    return httpx.Client(transport=transport, timeout=30)


def _upload_body(demo: Path) -> tuple[str, bytes]:
    from auditor.checking import discover
    from auditor.policy import load_policy
    from auditor.receiver.demo import demo_report
    from auditor.report.model import PolicyInfo, RequirementInfo, canonical_bytes
    from auditor.report.signing import load_signer, sign_detached

    tokens = json.loads((demo / "tokens.json").read_text())
    name = sorted(tokens)[0]
    pack = load_policy("nd85-level2", discover())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    report = demo_report(
        random.Random(1), name, now, [RequirementInfo.of(r) for r in pack.requirements],
        PolicyInfo.of(pack, now.date()),
    )  # fmt: skip
    content = canonical_bytes(report)
    signature = sign_detached(content, load_signer(Path(tokens[name]["keys"]), None))
    body = {
        "report_id": report.report_id,
        "report": base64.b64encode(content).decode(),
        "signature": base64.b64encode(signature).decode(),
    }
    return tokens[name]["token"], json.dumps(body).encode()


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx-core not installed (.ci/run does)")
def test_behind_nginx_the_receiver_sees_the_real_client(fronted: Fronted) -> None:
    token, body = _upload_body(fronted.demo)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "X-Forwarded-For": "10.9.9.9",  # a client's own claim: nginx replaces it
    }
    with _client(fronted, "127.0.0.2") as client:
        sent = client.post(fronted.url + "/api/reports", content=body, headers=headers)
    assert sent.status_code == 201, sent.text
    with _client(fronted, "127.0.0.3") as client:  # straight to the receiver, claiming too
        page = client.get(fronted.direct + "/login", headers={"X-Forwarded-For": "10.8.8.8"})
    assert page.status_code == 200
    time.sleep(0.3)
    log = fronted.log.read_text(encoding="utf-8")
    upload_line = next(line for line in log.splitlines() if "POST /api/reports 201" in line)
    assert " 127.0.0.2 " in upload_line  # the client nginx saw, not nginx itself
    assert "10.9.9.9" not in log and "10.8.8.8" not in log  # nobody's own claim believed
    assert any(" 127.0.0.3 " in line and "GET /login" in line for line in log.splitlines())

    # nginx carries many clients: 40 at once all pass (one direct source holding 40
    # connections would be over its share of 32 connections and 16 handshakes)
    def fetch(n: int) -> int:
        with _client(fronted, f"127.0.0.{10 + n}") as client:
            return client.get(fronted.url + "/", follow_redirects=False).status_code

    with ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(fetch, range(40)))
    assert codes == [303] * 40  # to the login page, each one
