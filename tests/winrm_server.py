"""A small WS-Management endpoint on 127.0.0.1 that speaks the WinRM shell protocol
(Create, Command, Send, Receive, Signal, Delete) over HTTP with Basic authentication, and
answers the command with a recorded Windows output. pywinrm talks to it for real."""

from __future__ import annotations

import base64
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "rsp": SHELL,
}


@dataclass
class Exchange:
    """What the client sent, for the test to assert on."""

    actions: list[str] = field(default_factory=list)
    command: str = ""
    arguments: list[str] = field(default_factory=list)
    stdin: bytes = b""


def _envelope(action: str, body: str, relates_to: str = "") -> bytes:
    return (
        f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:a="{NS["a"]}" xmlns:rsp="{SHELL}" '
        'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">'
        f"<s:Header><a:Action>{action}Response</a:Action>"
        f"<a:MessageID>uuid:{uuid.uuid4()}</a:MessageID>"
        f"<a:RelatesTo>{relates_to}</a:RelatesTo></s:Header>"
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


class WinRMServer:
    def __init__(self, replay: bytes, user: str, password: str) -> None:
        self.replay, self.exchange = replay, Exchange()
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="WSMAN"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                reply = server.answer(ET.fromstring(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/soap+xml;charset=UTF-8")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, root: ET.Element) -> bytes:
        action = root.findtext("s:Header/a:Action", default="", namespaces=NS)
        relates = root.findtext("s:Header/a:MessageID", default="", namespaces=NS)

        def _reply(action: str, body: str) -> bytes:
            return _envelope(action, body, relates)

        self.exchange.actions.append(action.rsplit("/", 1)[-1])
        if action.endswith("/transfer/Create"):
            return _reply(
                action,
                '<x:ResourceCreated xmlns:x="http://schemas.xmlsoap.org/ws/2004/'
                '09/transfer"><a:ReferenceParameters><w:SelectorSet>'
                '<w:Selector Name="ShellId">11111111-2222-3333-4444-555555555555'
                "</w:Selector></w:SelectorSet></a:ReferenceParameters>"
                "</x:ResourceCreated>",
            )
        if action.endswith("/shell/Command"):
            line = root.find("s:Body/rsp:CommandLine", NS)
            if line is not None:
                self.exchange.command = line.findtext("rsp:Command", default="", namespaces=NS)
                self.exchange.arguments = [a.text or "" for a in line.findall("rsp:Arguments", NS)]
            return _reply(
                action,
                "<rsp:CommandResponse><rsp:CommandId>"
                "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE</rsp:CommandId>"
                "</rsp:CommandResponse>",
            )
        if action.endswith("/shell/Send"):
            stream = root.find("s:Body/rsp:Send/rsp:Stream", NS)
            if stream is not None and stream.text:
                self.exchange.stdin += base64.b64decode(stream.text)
            return _reply(action, "<rsp:SendResponse/>")
        if action.endswith("/shell/Receive"):
            half = len(self.replay) // 2
            streams = "".join(
                f'<rsp:Stream Name="stdout" CommandId="AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE">'
                f"{base64.b64encode(part).decode()}</rsp:Stream>"
                for part in (self.replay[:half], self.replay[half:])
            )
            return _reply(
                action,
                f"<rsp:ReceiveResponse>{streams}"
                f'<rsp:CommandState CommandId="AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE" '
                f'State="{SHELL}/CommandState/Done"><rsp:ExitCode>0</rsp:ExitCode>'
                "</rsp:CommandState></rsp:ReceiveResponse>",
            )
        return _reply(action, "")

    def __enter__(self) -> WinRMServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
