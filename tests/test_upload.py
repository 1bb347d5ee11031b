"""Delivery to the provincial SOC: outbox → HTTPS receiver (test CA) or SFTP drop, exactly
once, through outages, 500s, a killed sender; tampered, foreign and replayed reports refused."""

from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509

from auditor.report.model import canonical_bytes, parse_report
from auditor.report.signing import init_keys, sign_detached
from auditor.upload.outbox import Item, Outbox
from auditor.upload.sender import upload_pending
from auditor.upload.transport import HttpsTransport, SftpTransport
from tests.receiver_server import Receiver
from tests.reportkit import build

pytest.importorskip("uvicorn", reason="receiver extra not installed: pip install '.[receiver]'")


def stored(receiver: Receiver) -> list[tuple[str, str]]:
    path = receiver.db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return db.execute("SELECT report_id, sha256 FROM received_reports").fetchall()


def queued(tmp_path: Path) -> tuple[Outbox, str, x509.Certificate, Path]:
    report, signer, out = build(tmp_path)
    outbox = Outbox(tmp_path / "outbox")
    outbox.enqueue(out, report.report_id)
    return outbox, report.report_id, signer.cert, out


def no_sleep(_: float) -> None:
    pass


def test_delivered_verified_stored_once_with_receipt(tmp_path: Path) -> None:
    outbox, report_id, cert, out = queued(tmp_path)
    with Receiver(tmp_path / "rx", [cert]) as rx:
        transport = HttpsTransport(url=rx.url, ca_bundle=rx.ca, token=rx.token)
        result = upload_pending(outbox, transport, [cert], sleep=no_sleep)
        assert result.sent == [report_id] and outbox.pending() == []
        receipt = json.loads(
            (tmp_path / "outbox" / "sent" / report_id / "receipt.json").read_text()
        )
        assert receipt["report_id"] == report_id and len(receipt["receipt_sha256"]) == 64
        outbox.enqueue(out, report_id)  # already sent: not queued again
        assert outbox.pending() == []
        again = httpx.post(
            f"{rx.url}/api/reports",
            verify=ssl.create_default_context(cafile=str(rx.ca)),
            json={
                "report_id": report_id,
                "report": base64.b64encode((out / "report.json").read_bytes()).decode(),
                "signature": base64.b64encode((out / "report.json.p7s").read_bytes()).decode(),
            },
            headers={"Authorization": f"Bearer {rx.token}"},
        )
        assert again.status_code == 200 and again.json() == receipt  # idempotent
        communes = rx.get("/api/communes").json()
        assert communes == [
            {
                "organisation": "UBND xã Thử",
                "report_id": report_id,
                "generated_at": communes[0]["generated_at"],
                "overdue": False,
            }
        ]
        assert len(stored(rx)) == 1
        with sqlite3.connect(rx.db.removeprefix("sqlite:///")) as db:  # its digest, at receipt
            (digest,) = db.execute("SELECT digest FROM report_digests").fetchone()
        sent = json.loads((out / "report.json").read_bytes())
        assert json.loads(digest)["counts"] == sent["evaluation"]["summary"]["counts"]


def test_receiver_down_then_up_delivers_exactly_once(tmp_path: Path) -> None:
    outbox, report_id, cert, _ = queued(tmp_path)
    from tests.sshd import free_port

    port = free_port()
    down = HttpsTransport(url=f"https://localhost:{port}", timeout_s=3)
    waits: list[float] = []
    result = upload_pending(outbox, down, [cert], attempts=3, sleep=waits.append)
    assert result.sent == [] and report_id in result.waiting
    assert len(waits) == 2 and all(w >= 0 for w in waits)
    assert outbox.pending()[0].attempts() == 3
    with Receiver(tmp_path / "rx", [cert], port=port) as rx:
        up = HttpsTransport(url=rx.url, ca_bundle=rx.ca, token=rx.token)
        assert upload_pending(outbox, up, [cert], sleep=no_sleep).sent == [report_id]
        assert len(stored(rx)) == 1


def test_server_errors_are_retried(tmp_path: Path) -> None:
    outbox, report_id, cert, _ = queued(tmp_path)
    calls = {"n": 0}

    def flaky(app: Any) -> Any:
        async def wrapped(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                calls["n"] += 1
                if calls["n"] <= 2:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 500,
                            "headers": [(b"content-type", b"text/plain")],
                        }
                    )
                    await send({"type": "http.response.body", "body": b"oops"})
                    return
            await app(scope, receive, send)

        return wrapped

    with Receiver(tmp_path / "rx", [cert], wrap=flaky) as rx:
        result = upload_pending(
            outbox,
            HttpsTransport(url=rx.url, ca_bundle=rx.ca, token=rx.token),
            [cert],
            attempts=5,
            sleep=no_sleep,
        )
        assert result.sent == [report_id] and calls["n"] == 3
        assert len(stored(rx)) == 1


def test_tampered_foreign_and_replayed_reports_are_refused(tmp_path: Path) -> None:
    outbox, report_id, cert, out = queued(tmp_path)
    content = (out / "report.json").read_bytes()
    signature = (out / "report.json.p7s").read_bytes()
    with Receiver(tmp_path / "rx", [cert]) as rx:

        def post(body: bytes, sig: bytes, rid: str = report_id) -> httpx.Response:
            return httpx.post(
                f"{rx.url}/api/reports",
                verify=ssl.create_default_context(cafile=str(rx.ca)),
                json={
                    "report_id": rid,
                    "report": base64.b64encode(body).decode(),
                    "signature": base64.b64encode(sig).decode(),
                },
                headers={"Authorization": f"Bearer {rx.token}"},
            )

        tampered = post(content.replace(b"fs1", b"fs9"), signature)
        assert tampered.status_code == 422 and tampered.json()["error"] == "verify.content_changed"
        stranger = init_keys(tmp_path / "stranger", "Kẻ lạ")
        foreign = post(content, sign_detached(content, stranger))
        assert foreign.status_code == 403 and foreign.json()["error"] == "verify.untrusted_signer"
        assert post(content, signature).status_code == 201
        report = parse_report(content)
        replay = canonical_bytes(report.model_copy(update={"auditor_host": "other"}))
        from auditor.report.signing import load_signer

        resigned = sign_detached(replay, load_signer(tmp_path / "keys", None))
        conflict = post(replay, resigned)
        assert conflict.status_code == 409 and conflict.json()["error"] == "receiver.replayed_id"
        assert post(b"{}", b"x").status_code in (400, 422)
        assert len(stored(rx)) == 1
    # a report changed in the outbox is never sent
    item = outbox.pending()[0]
    (item.path / "report.json").write_bytes(content.replace(b"fs1", b"fs7"))
    result = upload_pending(
        outbox, HttpsTransport(url="https://localhost:1"), [cert], sleep=no_sleep
    )
    assert result.rejected == {report_id: "verify.content_changed"}


def test_killed_sender_resumes_and_receiver_keeps_one_copy(tmp_path: Path) -> None:
    home, report_id, cert = _home_with_queued_report(tmp_path)

    def slow(app: Any) -> Any:
        async def delayed(scope: Any, receive: Any, send: Any) -> None:
            import asyncio

            if scope["type"] == "http":
                await asyncio.sleep(3)  # the sender is killed while it waits for the answer
            await app(scope, receive, send)

        return delayed

    with Receiver(tmp_path / "rx", [cert], wrap=slow) as rx:
        env = {**os.environ, "AUDITOR_HOME": str(home), "SSL_CERT_FILE": str(rx.ca)}
        token_file = tmp_path / "token"
        token_file.write_text(rx.token)
        token_file.chmod(0o600)
        command = [
            sys.executable,
            "-m",
            "auditor.cli",
            "upload",
            "--to",
            rx.url,
            "--ca-bundle",
            str(rx.ca),
            "--token-file",
            str(token_file),
            "--json",
        ]
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(2.5)  # the receiver finishes storing what it got
        assert [p.name for p in (home / "outbox" / "pending").iterdir()] == [report_id]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["sent"] == [report_id]
        assert len(stored(rx)) == 1


def test_sftp_drop(tmp_path: Path) -> None:
    from auditor.inventory import Asset
    from auditor.sshclient import fetch_host_key, pin_host_key
    from tests.sshd import Sshd, why_not_available

    if why_not_available():
        pytest.skip(why_not_available() or "")
    outbox, report_id, cert, _ = queued(tmp_path)
    root = tmp_path / "sshd"
    root.mkdir()
    drop = tmp_path / "drop"
    drop.mkdir()
    server = Sshd.start(root, extra="Subsystem sftp internal-sftp\n")
    try:
        asset = Asset.model_validate(
            {
                "id": "soc",
                "name": "SOC",
                "kind": "linux",
                "connection": "ssh",
                "address": "127.0.0.1",
                "port": server.port,
                "credential": {"user": server.user, "agent": True},
            }
        )
        known = tmp_path / "known_hosts"
        pin_host_key(known, fetch_host_key(asset, 10))
        transport = SftpTransport(
            host="127.0.0.1",
            port=server.port,
            user=server.user,
            key_file=server.user_key,
            known_hosts=known,
            remote_dir=str(drop),
        )
        result = upload_pending(outbox, transport, [cert], sleep=no_sleep)
        assert result.sent == [report_id]
        names = sorted(p.name for p in drop.iterdir())
        assert names == [f"{report_id}.report.json", f"{report_id}.report.json.p7s"]
        outbox.enqueue(tmp_path / "out", report_id)
        assert outbox.pending() == []
        unknown = SftpTransport(
            host="127.0.0.1",
            port=server.port,
            user=server.user,
            key_file=server.user_key,
            known_hosts=tmp_path / "none",
            remote_dir=str(drop),
        )
        from auditor.upload.transport import Retry

        with pytest.raises(Retry):  # an unpinned host is never written to
            unknown.send(outbox.sent()[0])
    finally:
        server.stop()


@pytest.mark.parametrize("fault", ["timeout", "closed_mid_body"])
def test_timeouts_and_cut_connections_are_retried(tmp_path: Path, fault: str) -> None:
    outbox, report_id, cert, _ = queued(tmp_path)
    calls = {"n": 0}

    def broken(app: Any) -> Any:
        async def wrapped(scope: Any, receive: Any, send: Any) -> None:
            import asyncio

            if scope["type"] == "http":
                calls["n"] += 1
                if calls["n"] == 1 and fault == "timeout":
                    await asyncio.sleep(4)
                elif calls["n"] == 1:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 201,
                            "headers": [(b"content-length", b"1000")],
                        }
                    )
                    await send({"type": "http.response.body", "body": b'{"report_id":'})
                    raise RuntimeError("connection cut")
            await app(scope, receive, send)

        return wrapped

    with Receiver(tmp_path / "rx", [cert], wrap=broken) as rx:
        transport = HttpsTransport(url=rx.url, ca_bundle=rx.ca, timeout_s=1.5, token=rx.token)
        result = upload_pending(outbox, transport, [cert], attempts=3, sleep=no_sleep)
        assert result.sent == [report_id]
        assert outbox.sent()[0].attempts() == 1  # one failed try before the success
        assert len(stored(rx)) == 1


def test_mutual_tls(tmp_path: Path) -> None:
    from tests.https_server import make_certs

    outbox, report_id, cert, _ = queued(tmp_path)
    client_dir = tmp_path / "client"
    client_dir.mkdir()
    client_ca, client_cert, client_key = make_certs(client_dir, expired=False)
    with Receiver(tmp_path / "rx", [cert], client_ca=client_ca) as rx:
        without = upload_pending(
            outbox,
            HttpsTransport(url=rx.url, ca_bundle=rx.ca, token=rx.token),
            [cert],
            attempts=1,
            sleep=no_sleep,
        )
        assert without.sent == [] and report_id in without.waiting
        with_cert = HttpsTransport(
            url=rx.url,
            ca_bundle=rx.ca,
            client_cert=client_cert,
            client_key=client_key,
            token=rx.token,
        )
        assert upload_pending(outbox, with_cert, [cert], sleep=no_sleep).sent == [report_id]


def test_full_spool_loses_nothing(tmp_path: Path) -> None:
    import resource

    _, _, out = build(tmp_path)

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

    code = (
        "import sys; from pathlib import Path; from auditor.upload.outbox import Outbox; "
        f"Outbox(Path({str(tmp_path / 'outbox')!r})).enqueue(Path({str(out)!r}), 'r1')"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, preexec_fn=limit, check=False
    )
    assert run.returncode != 0 and "File too large" in run.stderr
    assert Outbox(tmp_path / "outbox").pending() == []  # no half-queued report
    from auditor.report.verify import verify_dir

    anchor = x509.load_pem_x509_certificate((tmp_path / "keys" / "cert.pem").read_bytes())
    assert verify_dir(out, [anchor]).ok  # the report itself is intact
    Outbox(tmp_path / "outbox").enqueue(out, "r1")  # with space again, queuing works
    assert [i.report_id for i in Outbox(tmp_path / "outbox").pending()] == ["r1"]


def _home_with_queued_report(tmp_path: Path) -> tuple[Path, str, x509.Certificate]:
    """An auditor home whose outbox holds one signed report, its key beside it."""
    home = tmp_path / "home"
    report, signer, out = build(tmp_path)
    (home / "keys").mkdir(parents=True)
    for name in ("key.pem", "cert.pem"):
        (home / "keys" / name).write_bytes((tmp_path / "keys" / name).read_bytes())
    (home / "keys" / "key.pem").chmod(0o600)
    Outbox(home / "outbox").enqueue(out, report.report_id)
    return home, report.report_id, signer.cert


def _upload_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AUDITOR_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "auditor.cli", "--lang", "en", "upload", "--attempts", "1", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _token_file(tmp_path: Path, token: str) -> str:
    path = tmp_path / "token"
    path.write_text(token)
    path.chmod(0o600)
    return str(path)


def test_plain_http_is_refused_unless_asked_for_a_lab(tmp_path: Path) -> None:
    from tests.sshd import free_port

    home, report_id, _cert = _home_with_queued_report(tmp_path)
    url = f"http://127.0.0.1:{free_port()}"
    refused = _upload_cli(home, "--to", url, "--token-file", _token_file(tmp_path, "secret-tok"))
    assert refused.returncode == 2
    assert "clear text" in refused.stderr and "secret-tok" not in refused.stderr
    lab = _upload_cli(home, "--to", url, "--insecure-http")
    assert "WARNING" in lab.stderr and "refused the connection" in lab.stderr
    assert [i.report_id for i in Outbox(home / "outbox").pending()] == [report_id]


def test_errors_say_what_happened(tmp_path: Path) -> None:
    from tests.sshd import free_port

    home, report_id, cert = _home_with_queued_report(tmp_path)
    closed = _upload_cli(home, "--to", f"https://127.0.0.1:{free_port()}")
    assert "refused the connection" in closed.stderr, closed.stderr
    other = init_keys(tmp_path / "other", "UBND xã Thử").cert  # same name, another key
    with Receiver(tmp_path / "rx", [cert], communes={"UBND xã Thử": other}) as rx:
        untrusted = _upload_cli(home, "--to", rx.url)  # the test CA is not in the bundle
        assert "TLS certificate is not trusted" in untrusted.stderr, untrusted.stderr
        token = _token_file(tmp_path, rx.token)
        bad_token = _upload_cli(home, "--to", rx.url, "--ca-bundle", str(rx.ca))
        assert "authentication needed" in bad_token.stderr.lower(), bad_token.stderr
        # our token, not the report: kept queued, said so, not retried in vain
        assert "stays in the outbox" in bad_token.stderr and "will retry" not in bad_token.stderr
        assert bad_token.returncode == 1
        refused = _upload_cli(
            home, "--to", rx.url, "--ca-bundle", str(rx.ca), "--token-file", token
        )
        assert refused.returncode == 1
        assert "not the one the province registered" in refused.stderr, refused.stderr
        assert "receiver.signer_not_bound" not in refused.stderr
    assert not Outbox(home / "outbox").pending()  # refused for good: moved to rejected/
    assert (home / "outbox" / "rejected" / report_id / "reason.json").exists()


def test_a_receipt_for_something_else_keeps_the_report_queued(tmp_path: Path) -> None:
    outbox, report_id, cert, _ = queued(tmp_path)

    def lying(app: Any) -> Any:
        async def wrapped(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["method"] == "POST":
                body = json.dumps({"report_id": report_id, "sha256": "0" * 64}).encode()
                await send({"type": "http.response.start", "status": 201, "headers": []})
                await send({"type": "http.response.body", "body": body})
                return
            await app(scope, receive, send)

        return wrapped

    with Receiver(tmp_path / "rx", [cert], wrap=lying) as rx:
        transport = HttpsTransport(url=rx.url, ca_bundle=rx.ca, token=rx.token)
        result = upload_pending(outbox, transport, [cert], attempts=2, sleep=no_sleep)
    assert result.sent == [] and result.waiting == {report_id: "upload.bad_receipt"}
    assert [i.report_id for i in outbox.pending()] == [report_id]


def test_same_report_pending_and_sent_does_not_crash(tmp_path: Path) -> None:
    outbox, report_id, cert, _ = queued(tmp_path)
    with Receiver(tmp_path / "rx", [cert]) as rx:
        transport = HttpsTransport(url=rx.url, ca_bundle=rx.ca, token=rx.token)
        assert upload_pending(outbox, transport, [cert], sleep=no_sleep).sent == [report_id]
        # a copy restored into pending/ (e.g. from a backup) next to the sent one
        import shutil

        shutil.copytree(outbox.root / "sent" / report_id, outbox.root / "pending" / report_id)
        assert outbox.pending() == []  # same bytes as sent: dropped, not re-sent
        # and when the sender meets both anyway, delivery replaces the older sent copy
        pending = outbox.root / "pending" / report_id
        shutil.copytree(outbox.root / "sent" / report_id, pending)
        outbox.mark_sent(Item(report_id, pending), {"report_id": report_id})
        assert not pending.exists()
        assert json.loads((outbox.root / "sent" / report_id / "receipt.json").read_text()) == {
            "report_id": report_id
        }
    assert outbox.root.stat().st_mode & 0o777 == 0o700


def test_verification_runs_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one upload is being verified (made slow here), a province read is answered:
    verification and database work run in worker threads, not on the event loop."""
    import threading

    import auditor.receiver.app as receiver_app

    outbox, _, cert, _ = queued(tmp_path)
    real = receiver_app.verify_detached
    verifying, verified = threading.Event(), threading.Event()

    def slow_verify(*args: Any, **kwargs: Any) -> Any:
        verifying.set()
        time.sleep(3)
        verified.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(receiver_app, "verify_detached", slow_verify)
    with Receiver(tmp_path / "rx", [cert]) as rx:
        done: list[int] = []
        sender = threading.Thread(
            target=lambda: done.append(
                len(
                    upload_pending(
                        outbox,
                        HttpsTransport(url=rx.url, ca_bundle=rx.ca, token=rx.token),
                        [cert],
                        sleep=no_sleep,
                    ).sent
                )
            )
        )
        sender.start()
        assert verifying.wait(10)
        assert rx.get("/api/communes").status_code == 200
        assert not verified.is_set()  # answered while the upload was still being verified
        sender.join(30)
        assert done == [1]
