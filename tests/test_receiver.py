"""The province receiver attacked as a stranger or a dishonest commune would: a real
`auditor receiver serve` process on 127.0.0.1 with a real TLS certificate, on SQLite and on
a real PostgreSQL server, communes registered and a province account made through the CLI."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import ssl
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import psutil
import pytest
from cryptography.hazmat.primitives import serialization

from auditor.report.model import canonical_bytes, parse_report
from auditor.report.official import VIETNAM
from auditor.report.signing import sign_detached
from tests.https_server import make_certs
from tests.pg import Cluster, why_not_available
from tests.pki import Issued, issue
from tests.receiver_server import Receiver
from tests.reportkit import build
from tests.sshd import free_port

pytest.importorskip("uvicorn", reason="receiver extra not installed: pip install '.[receiver]'")

PASSWORD = "mật-khẩu-của-sở-đủ-dài"
COMMUNE_A, COMMUNE_B, COMMUNE_OLD = "UBND xã Thử", "UBND xã Bên", "UBND xã Cũ"


@dataclass
class Served:
    url: str
    ca: Path
    tokens: dict[str, str]
    leaves: dict[str, Issued]
    process: subprocess.Popen[bytes]
    log: Path
    db: str

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def post(self, body: bytes, token: str | None, **headers: str) -> httpx.Response:
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        headers.setdefault("Content-Type", "application/json")
        return httpx.post(
            f"{self.url}/api/reports", content=body, headers=headers, verify=self.context()
        )

    def upload(self, content: bytes, signature: bytes, token: str, rid: str = "") -> httpx.Response:
        report_id = rid or parse_report(content).report_id
        body = {
            "report_id": report_id,
            "report": base64.b64encode(content).decode(),
            "signature": base64.b64encode(signature).decode(),
        }
        return self.post(json.dumps(body).encode(), token)

    def read(
        self, path: str, auth: tuple[str, str] | None = ("so-tttt", PASSWORD)
    ) -> httpx.Response:
        return httpx.get(self.url + path, auth=auth, verify=self.context())

    def read_from(
        self, source: str, path: str, auth: tuple[str, str] = ("so-tttt", PASSWORD)
    ) -> httpx.Response:
        """A read from another loopback address (127.0.0.2, …): another client's source."""
        transport = httpx.HTTPTransport(local_address=source, verify=self.context())
        url = self.url.replace("localhost", "127.0.0.1") + path
        with httpx.Client(transport=transport, timeout=5) as client:
            return client.get(url, auth=auth, headers={"Host": "localhost"})


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor.cli", "--lang", "en", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("receiver")
    cluster = None
    if request.param == "sqlite":
        db = f"sqlite:///{root}/state/received.db"
    else:
        reason = why_not_available()
        if reason:
            pytest.skip(reason)
        cluster = Cluster.temporary()
        db = cluster.start()
    province = issue("Sở KH&CN tỉnh Thử", ca=True, days=3650)
    (root / "province-ca.pem").write_bytes(province.cert.public_bytes(serialization.Encoding.PEM))
    now = datetime.now(UTC)
    leaves = {
        COMMUNE_A: issue(COMMUNE_A, province),
        COMMUNE_B: issue(COMMUNE_B, province),
        COMMUNE_OLD: issue(COMMUNE_OLD, province, start=now - timedelta(days=40), days=30),
    }
    tokens = {}
    for name, leaf in leaves.items():
        cert_path, _ = leaf.write(root, name.replace(" ", "-"))
        added = _cli("receiver", "commune", "add", name, "--cert", str(cert_path), "--db", db)
        assert added.returncode == 0, added.stderr
        tokens[name] = added.stdout.strip().splitlines()[-1]
    password_file = root / "password"
    password_file.write_text(PASSWORD)
    password_file.chmod(0o600)
    user = _cli(
        "receiver",
        "admin",
        "add-user",
        "so-tttt",
        "--password-file",
        str(password_file),
        "--db",
        db,
    )
    assert user.returncode == 0, user.stderr
    assert "(role Viewer)" in user.stdout  # the role said in words, not its code
    ca, cert, key = make_certs(root, expired=False)
    port = free_port()
    log = root / "receiver.log"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "auditor.cli", "receiver", "serve", "--db", db),
            *("--trust", str(root / "province-ca.pem"), "--cert", str(cert), "--key", str(key)),
            *("--port", str(port), "--max-body-mb", "8", "--max-connections", "40"),
            *("--header-timeout", "1", "--body-timeout", "2", "--max-uploads", "1"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    served = Served(f"https://localhost:{port}", ca, tokens, leaves, process, log, db)
    yield served
    process.terminate()
    process.wait(timeout=10)
    if cluster is not None:
        cluster.stop()


def _report(tmp_path: Path, leaf: Issued, **changes: object) -> tuple[bytes, bytes]:
    """A real signed report of commune A's inventory, changed as asked and signed by `leaf`."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    report, _signer, out = build(tmp_path, signer=leaf.signer())
    if changes:
        organisation = changes.pop("organisation", None)
        if organisation:
            changes["organisation"] = report.organisation.model_copy(update={"name": organisation})
        content = canonical_bytes(report.model_copy(update=changes))
    else:
        content = (out / "report.json").read_bytes()
    return content, sign_detached(content, leaf.signer())


def test_accepted_from_the_commune_that_owns_the_certificate(
    served: Served, tmp_path: Path
) -> None:
    content, signature = _report(tmp_path, served.leaves[COMMUNE_A])
    answer = served.upload(content, signature, served.tokens[COMMUNE_A])
    assert answer.status_code == 201, answer.text
    assert answer.json()["organisation"] == COMMUNE_A
    report_id = parse_report(content).report_id
    assert served.read(f"/api/reports/{report_id}").json()["sha256"] == answer.json()["sha256"]
    if served.db.startswith("sqlite:///"):  # the store is private to the receiver's user
        path = Path(served.db.removeprefix("sqlite:///"))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        import sqlite3

        with contextlib.closing(sqlite3.connect(path)) as db:  # written a MiB at a time
            (stored,) = db.execute(
                "SELECT content FROM received_reports WHERE report_id = ?", (report_id,)
            ).fetchone()
        assert stored == content


def test_uploads_need_the_commune_token_and_reads_a_province_account(
    served: Served, tmp_path: Path
) -> None:
    content, signature = _report(tmp_path, served.leaves[COMMUNE_A])
    no_token = served.post(b"{}", None)
    assert no_token.status_code == 401 and no_token.json()["error"] == "receiver.auth_required"
    refused = served.upload(content, signature, "not-a-token")
    assert refused.status_code == 401 and refused.json()["error"] == "receiver.bad_token"
    assert served.read("/api/communes", auth=None).status_code == 401
    wrong = served.read("/api/communes", auth=("so-tttt", "wrong password"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "receiver.bad_login"
    assert served.read("/api/communes").status_code == 200
    assert (
        served.read("/api/reports/00000000-0000-0000-0000-000000000000", auth=None).status_code
        == 401
    )


def test_a_commune_cannot_file_as_another_or_from_the_future(
    served: Served, tmp_path: Path
) -> None:
    leaf_a = served.leaves[COMMUNE_A]
    as_b = _report(tmp_path / "b", leaf_a, organisation=COMMUNE_B)
    mismatch = served.upload(*as_b, served.tokens[COMMUNE_A])
    assert (
        mismatch.status_code == 422 and mismatch.json()["error"] == "receiver.organisation_mismatch"
    )
    stolen_token = served.upload(*as_b, served.tokens[COMMUNE_B])
    assert stolen_token.status_code == 403
    assert stolen_token.json()["error"] == "receiver.signer_not_bound"
    future = _report(tmp_path / "f", leaf_a, generated_at=datetime(2099, 1, 1, tzinfo=UTC))
    refused = served.upload(*future, served.tokens[COMMUNE_A])
    assert refused.status_code == 422 and refused.json()["error"] == "receiver.future_report"
    listed = {c["organisation"]: c for c in served.read("/api/communes").json()}
    assert listed[COMMUNE_B]["report_id"] is None  # registered, nothing of it accepted
    assert listed[COMMUNE_B]["overdue"] is True


def test_expired_signer_certificate_is_refused(served: Served, tmp_path: Path) -> None:
    content, signature = _report(tmp_path, served.leaves[COMMUNE_OLD], organisation=COMMUNE_OLD)
    refused = served.upload(content, signature, served.tokens[COMMUNE_OLD])
    assert refused.status_code == 403 and refused.json()["error"] == "verify.cert_expired"


@pytest.mark.parametrize("report_id", ["../../etc/passwd", "a\x00b", "x" * 1_000_000, "1" * 36])
def test_hostile_report_ids_are_refused_before_storage(
    served: Served, tmp_path: Path, report_id: str
) -> None:
    content, signature = _report(tmp_path, served.leaves[COMMUNE_A])
    answer = served.upload(content, signature, served.tokens[COMMUNE_A], rid=report_id)
    assert answer.status_code == 422 and answer.json()["error"] == "receiver.bad_report_id"


def test_deep_json_and_garbage_are_4xx(served: Served) -> None:
    token = served.tokens[COMMUNE_A]
    for body in (b"[" * 200_000 + b"]" * 200_000, b"\xff\xfe", b'{"report_id": 1}', b"{}"):
        answer = served.post(body, token)
        assert 400 <= answer.status_code < 500, (body[:20], answer.status_code)
    duplicate = b'{"report_id": "a", "report_id": "b", "report": "", "signature": ""}'
    assert served.post(duplicate, token).status_code == 400


def test_a_300_mb_body_is_refused_without_buffering(served: Served) -> None:
    token = served.tokens[COMMUNE_A]
    sock = _tls_socket(served)
    sock.sendall(
        b"POST /api/reports HTTP/1.1\r\nHost: localhost\r\nContent-Length: 314572800\r\n"
        + f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    declared = _answer(sock)  # answered before a single body byte was sent
    assert b" 413 " in declared and b"receiver.too_large" in declared

    def chunks() -> Iterator[bytes]:
        block = b"A" * (1024 * 1024)
        for _ in range(300):
            yield block

    try:
        streamed = httpx.post(
            f"{served.url}/api/reports",
            content=chunks(),
            headers={"Authorization": f"Bearer {token}"},
            verify=served.context(),
            timeout=60,
        )
        assert streamed.status_code == 413
    except httpx.TransportError:
        pass  # the receiver refused and closed while we were still sending: also a refusal
    rss = psutil.Process(served.process.pid).memory_info().rss
    assert rss < 200 * 1024 * 1024, rss


def _tls_socket(served: Served) -> ssl.SSLSocket:
    port = int(served.url.rsplit(":", 1)[1])
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return served.context().wrap_socket(raw, server_hostname="localhost")


def _answer(sock: ssl.SSLSocket) -> bytes:
    """Everything the server sends until it closes or stops for 3 s."""
    sock.settimeout(3)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except (TimeoutError, ssl.SSLError, OSError):
        pass
    sock.close()
    return data


def test_slow_clients_are_cut_and_others_still_served(served: Served) -> None:
    slow = []
    for _ in range(60):  # more than the cap of 40
        sock = _tls_socket(served)
        sock.sendall(b"GET /api/communes HTTP/1.1\r\nHost: localhost\r\n")  # never finished
        slow.append(sock)
    time.sleep(1.8)  # past the header deadline
    assert served.read("/api/communes").status_code == 200
    closed = 0
    for sock in slow:
        sock.settimeout(2)
        try:
            closed += sock.recv(1024) == b""
        except (ssl.SSLError, OSError):
            closed += 1
        sock.close()
    assert closed == len(slow)


def test_connections_that_never_start_tls_are_cut_by_the_deadline(served: Served) -> None:
    """Idle TCP connections (no ClientHello) are closed after the handshake deadline (1 s
    here), not after asyncio's default minute, and others are served meanwhile."""
    port = int(served.url.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(50)]
    started = time.monotonic()
    assert served.read_from("127.0.0.2", "/api/communes").status_code == 200
    for sock in idle:
        sock.settimeout(5)
        with contextlib.suppress(OSError):  # a reset is a close as well
            assert sock.recv(1) == b""
        sock.close()
    assert time.monotonic() - started < 4


def test_only_failed_logins_use_up_the_budget(served: Served) -> None:
    """An API client sending its right credentials with every request is never slowed down
    (15 reads in a row, past the burst of 10), while wrong passwords from one address are
    refused with 429 once its budget is spent, before any hashing."""
    for _ in range(15):
        assert served.read_from("127.0.0.6", "/api/communes").status_code == 200
    wrong = [
        served.read_from("127.0.0.7", "/api/communes", ("khong-co-ai", "sai")).status_code
        for _ in range(12)
    ]
    assert wrong[:10] == [401] * 10 and wrong[-1] == 429


def test_one_source_cannot_hold_more_than_its_share_of_unfinished_handshakes(
    served: Served,
) -> None:
    """TCP connections that never start TLS are counted from the moment they are accepted:
    beyond 16 from one address the next are closed at once (long before the deadline),
    while another address is served; the log says which address and why."""
    port = int(served.url.rsplit(":", 1)[1])
    held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(16)]
    time.sleep(0.1)  # accepted and counted
    extra = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(8)]
    started = time.monotonic()
    for sock in extra:  # refused at once: closed or reset, not left to the 1 s deadline
        sock.settimeout(0.6)
        with contextlib.suppress(ConnectionResetError):
            assert sock.recv(1) == b""
    assert time.monotonic() - started < 0.6
    for sock in held[:4]:  # the first 16 still wait for their handshake (the near miss)
        sock.settimeout(0.02)
        with pytest.raises(TimeoutError):
            sock.recv(1)
    assert served.read_from("127.0.0.3", "/api/communes").status_code == 200
    for sock in held + extra:
        sock.close()
    time.sleep(1.2)  # past the deadline the budget is free again
    assert served.read("/api/communes").status_code == 200
    assert "Địa chỉ 127.0.0.1 có 16 kết nối chưa hoàn tất bắt tay TLS" in (
        served.log.read_text(encoding="utf-8")
    )


def test_a_slow_body_is_cut_by_its_deadline(served: Served) -> None:
    sock = _tls_socket(served)
    token = served.tokens[COMMUNE_A]
    sock.sendall(
        b"POST /api/reports HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n"
        + f"Authorization: Bearer {token}\r\n\r\n".encode()
        + b"{"
    )
    answer = _answer(sock)
    assert b" 408 " in answer and b"receiver.body_timeout" in answer


def test_uploads_over_the_concurrency_limit_are_told_to_wait(
    served: Served, tmp_path: Path
) -> None:
    token = served.tokens[COMMUNE_A]
    holder = _tls_socket(served)  # takes the one upload slot with a body that never ends
    holder.sendall(
        b"POST /api/reports HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n"
        + f"Authorization: Bearer {token}\r\n\r\n{{".encode()
    )
    time.sleep(0.3)
    content, signature = _report(tmp_path, served.leaves[COMMUNE_A])
    busy = served.upload(content, signature, token)
    assert busy.status_code == 503 and busy.json()["error"] == "receiver.busy"
    assert busy.headers["retry-after"] == "5"
    assert b" 408 " in _answer(holder)  # the holder is cut by the body deadline …
    assert served.upload(content, signature, token).status_code == 201  # … and the slot frees


def test_access_log_names_who_and_never_a_secret(served: Served, tmp_path: Path) -> None:
    content, signature = _report(tmp_path, served.leaves[COMMUNE_A])
    served.upload(content, signature, served.tokens[COMMUNE_A])
    served.read("/api/communes")
    time.sleep(0.3)
    text = served.log.read_text(encoding="utf-8")
    assert "Đang nhận báo cáo tại https://127.0.0.1" in text  # in the operator's language
    assert f"{COMMUNE_A} POST /api/reports 201" in text
    assert "province:so-tttt GET /api/communes 200" in text
    for secret in (*served.tokens.values(), PASSWORD):
        assert secret not in text


def test_receiver_store_is_migrated_and_matches_its_models(tmp_path: Path) -> None:
    """The receiver's schema comes from Alembic migrations that match the models exactly;
    a store made before migrations existed (create_all) is recorded, not recreated."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, inspect

    from auditor.receiver.store import VERSION_TABLE, Base, open_store
    from auditor.sqlstore import current_revision, head_revision

    engine = open_store(f"sqlite:///{tmp_path}/new.db")
    assert current_revision(engine, VERSION_TABLE) == head_revision("auditor.receiver")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, Base.metadata) == []
    old = create_engine(f"sqlite:///{tmp_path}/old.db")
    Base.metadata.create_all(old)
    with old.begin() as connection:
        # the schema as create_all made it then: before communes had an area (r0002),
        # reports a PDF (r0003), accounts a lifecycle (r0004) and reports a digest (r0005)
        connection.exec_driver_sql("DROP TABLE report_digests")
        connection.exec_driver_sql("ALTER TABLE communes DROP COLUMN area")
        connection.exec_driver_sql("ALTER TABLE received_reports DROP COLUMN pdf")
        connection.exec_driver_sql("ALTER TABLE accounts DROP COLUMN disabled")
        connection.exec_driver_sql("ALTER TABLE accounts DROP COLUMN generation")
        connection.exec_driver_sql(
            "INSERT INTO accounts (username, password_hash, role, failures) "
            "VALUES ('giu-lai', 'x', 'viewer', 0)"
        )
        connection.exec_driver_sql(
            "INSERT INTO communes (name, cert_sha256, token_sha256, added_at) "
            "VALUES ('UBND xã Cũ', 'c', 't', '2026-01-01 00:00:00')"
        )
    reopened = open_store(f"sqlite:///{tmp_path}/old.db")
    assert current_revision(reopened, VERSION_TABLE) == head_revision("auditor.receiver")
    with reopened.connect() as connection:
        kept = connection.exec_driver_sql("SELECT username FROM accounts").scalar()
        commune = connection.exec_driver_sql("SELECT name, area FROM communes").one()
    assert kept == "giu-lai" and inspect(reopened).has_table("received_reports")
    assert inspect(reopened).has_table("report_digests")
    assert tuple(commune) == ("UBND xã Cũ", None)  # kept, and in no area until one is set


def _last_quarter_start(today: date) -> date:
    """The first day of the quarter whose report fell due last (due the 15th of the month
    after the quarter, the inventory's default)."""
    due = max(
        date(year, month, 15)
        for year in (today.year - 1, today.year)
        for month in (1, 4, 7, 10)
        if date(year, month, 15) <= today
    )
    return date(due.year - (due.month == 1), (due.month - 4) % 12 + 1, 1)


def test_the_api_judges_overdue_by_the_reporting_calendar_like_the_dashboard(
    tmp_path: Path,
) -> None:
    """A report from the first days of the quarter now due is on time, although it is more
    than 92 days old (the API's old rule); one from the day before that quarter is late."""
    leaf = issue(COMMUNE_A)
    (tmp_path / "r").mkdir()
    report, _signer, _out = build(tmp_path / "r", signer=leaf.signer())
    start = _last_quarter_start(datetime.now(VIETNAM).date())
    with Receiver(tmp_path / "rx", [leaf.cert]) as rx:
        context = ssl.create_default_context(cafile=str(rx.ca))
        for day, overdue in ((start - timedelta(days=1), True), (start, False)):
            when = datetime.combine(day, datetime.min.time(), VIETNAM) + timedelta(hours=8)
            changed = report.model_copy(update={"report_id": str(uuid4()), "generated_at": when})
            content = canonical_bytes(changed)
            body = {
                "report_id": changed.report_id,
                "report": base64.b64encode(content).decode(),
                "signature": base64.b64encode(sign_detached(content, leaf.signer())).decode(),
            }
            sent = httpx.post(
                f"{rx.url}/api/reports",
                json=body,
                headers={"Authorization": f"Bearer {rx.token}"},
                verify=context,
            )
            assert sent.status_code == 201, sent.text
            (row,) = rx.get("/api/communes").json()
            assert row["report_id"] == changed.report_id
            assert row["overdue"] is overdue, day
        assert datetime.now(UTC) - when > timedelta(days=92)


def test_an_area_is_one_clean_line() -> None:
    """The province's area names reach pages, spreadsheets and terminals: whitespace is
    folded, a control character or an overlong name is refused, and empty means none."""
    from auditor.receiver.store import RegistryError, clean_area

    assert clean_area("  Mai Sơn\n (huyện cũ) ") == "Mai Sơn (huyện cũ)"
    assert clean_area("   ") is None and clean_area(None) is None
    for bad in ("Mai Sơn\x1b[31m", "Khu\u200bvực", "x" * 101):
        with pytest.raises(RegistryError):
            clean_area(bad)
    assert clean_area("x" * 100) == "x" * 100  # the near miss: exactly the limit


def _multipart(report_id: str, parts: dict[str, bytes]) -> tuple[bytes, str]:
    """The body and content type `auditor upload` sends (httpx's own encoder)."""
    request = httpx.Request(
        "POST",
        "https://x/api/reports",
        data={"report_id": report_id},
        files={name: (name, data, "application/octet-stream") for name, data in parts.items()},
    )
    return request.read(), request.headers["content-type"]


def test_an_upload_is_read_within_twice_its_size(tmp_path: Path) -> None:
    """From the spooled body to the validated report, for a report with 60,000 evidence
    entries: the multipart upload `auditor upload` sends is streamed part by part to disk
    and Python's peak allocation stays under its size; the JSON envelope of
    earlier versions (base64 decoded into its own spooled file) under twice its size. The
    report read is what `parse_report` reads, less the lists checked one item at a time."""
    import hashlib
    import tracemalloc

    from auditor.receiver.upload import Upload, read_multipart, read_report, read_upload, spool
    from auditor.report.model import EvidenceEntry
    from auditor.report.signing import verify_detached

    ca = issue("Tinh CA", ca=True)
    leaf = issue("Xa A", issuer=ca)
    report, _signer, _out = build(tmp_path)
    entries = [
        EvidenceEntry(path=f"evidence/pc-{i:06d}/facts.json", sha256=f"{i:064x}", size=i)
        for i in range(60_000)
    ]
    content = canonical_bytes(report.model_copy(update={"evidence": entries}))
    del entries
    signature = sign_detached(content, leaf.signer())
    envelope = {
        "report_id": report.report_id,
        "report": base64.b64encode(content).decode(),
        "signature": base64.b64encode(signature).decode(),
    }
    multipart, kind = _multipart(report.report_id, {"report": content, "signature": signature})
    whole = parse_report(content)
    expected = whole.model_copy(
        update={"evidence": [], "assets": [], "plan": [], "tailoring": [],
                "evaluation": whole.evaluation.model_copy(update={"asset_results": []})}
    )  # fmt: skip
    for body_bytes, read, bound in (
        (json.dumps(envelope).encode(), read_upload, 2.0),
        (multipart, lambda body: read_multipart(body, kind), 1.0),
    ):
        body = spool()
        body.write(body_bytes)
        size = body.tell()
        del body_bytes
        tracemalloc.start()
        try:
            upload: Upload = read(body)
            check = verify_detached(upload.content, upload.signature, [ca.cert])
            light = read_report(upload.content)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert check.intact and check.trusted, check.problems
        assert upload.read_content() == content and upload.report_id == report.report_id
        assert upload.sha256 == hashlib.sha256(content).hexdigest()
        assert light == expected
        assert peak < bound * size, (read, peak, size)


def test_a_multipart_upload_that_is_not_what_the_protocol_says_is_refused() -> None:
    """A part given twice, a part nobody asked for, a missing signature, a body cut before
    its closing boundary, a report id that is not a UUID: each refused, nothing kept."""
    from auditor.receiver.upload import BadUpload, read_multipart, spool

    rid = str(uuid4())

    def refused(body: bytes, kind: str) -> str:
        file = spool()
        file.write(body)
        with pytest.raises(BadUpload) as error:
            read_multipart(file, kind)
        return error.value.code

    good, kind = _multipart(rid, {"report": b"{}", "signature": b"sig"})
    boundary = kind.split("boundary=")[1].encode()
    twice = good.replace(b"--" + boundary + b"--", b"", 1)
    twice += good[good.index(b"--" + boundary) :]
    assert refused(twice, kind) == "receiver.bad_request"
    extra, extra_kind = _multipart(rid, {"report": b"{}", "signature": b"s", "script": b"x"})
    assert refused(extra, extra_kind) == "receiver.bad_request"
    unsigned, unsigned_kind = _multipart(rid, {"report": b"{}"})
    assert refused(unsigned, unsigned_kind) == "receiver.bad_request"
    assert refused(good[:-40], kind) == "receiver.bad_request"
    bad_id, bad_kind = _multipart("../../etc", {"report": b"{}", "signature": b"s"})
    assert refused(bad_id, bad_kind) == "receiver.bad_report_id"
    assert refused(good, "multipart/form-data") == "receiver.bad_request"  # no boundary


def test_a_hostile_report_inside_a_good_envelope_is_refused(tmp_path: Path) -> None:
    """A key given twice, a bad evidence item deep in the list, a scalar where an object
    belongs, a truncated report, a nesting 200,000 deep: each refused as unreadable, never
    half-read."""
    from typing import IO

    from auditor.receiver.upload import BadUpload, read_report, read_upload, spool

    def file(data: bytes) -> IO[bytes]:
        out = spool()
        out.write(data)
        return out

    with pytest.raises(BadUpload) as twice:
        read_upload(file(b'{"report_id": "x", "report": "", "report": "", "signature": ""}'))
    assert twice.value.code == "receiver.bad_request"
    content = canonical_bytes(build(tmp_path)[0])
    report = json.loads(content)
    report["evidence"] = [{"path": "a", "sha256": "0" * 64, "size": 1}] * 3 + [{"path": 1}]
    for bad in (
        json.dumps(report).encode(),
        json.dumps({**report, "evidence": ["x"]}).encode(),
        content[:-200],
        content.replace(b'"report_id"', b'"report_id": "x", "report_id"', 1),
        b'{"evidence": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",  # refused at depth 64
    ):
        with pytest.raises(BadUpload) as refused:
            read_report(file(bad))
        assert refused.value.code == "verify.report_unreadable"


def test_the_receiver_limits_the_c_librarys_heaps() -> None:
    """glibc takes the two-heap limit the receiver sets before its threads start (a C library
    that cannot be loaded, or a call it refuses, returns False: the uploads' memory then stays
    retained per thread, as bench/RESULTS.md measured)."""
    import platform

    from auditor.receiver.server import limit_malloc_arenas

    assert platform.libc_ver()[0] == "glibc"
    assert limit_malloc_arenas(2) is True
