"""A local stand-in for WeChat's access-token and customer-service APIs, recording every request.

It is a real HTTP server (standard library, own thread, free port), so the code under test talks
to it exactly as it talks to api.weixin.qq.com. It issues numbered tokens, answers errcode 40001
for a token that is not the latest one, and can be told to refuse the next sends with given
errcodes.

Example::

    with WeChatApiStub(appid="wx1", secret="s") as stub:
        client = CustomerServiceClient(stub.url, "wx1", "s")
        ...
        message = stub.wait_for_message(lambda m: m["touser"] == "o1")
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    raw_body: bytes

    def json(self) -> Any:
        return json.loads(self.raw_body.decode("utf-8"))


class WeChatApiStub:
    def __init__(self, appid: str, secret: str, expires_in: int = 7200) -> None:
        self.appid = appid
        self.secret = secret
        self.expires_in = expires_in
        self.requests: list[Recorded] = []
        self.tokens_issued = 0
        self.refuse_next_sends: list[int] = []
        self._accepted: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="wechat-api-stub", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def current_token(self) -> str:
        return f"STUB-TOKEN-{self.tokens_issued}"

    def start(self) -> WeChatApiStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WeChatApiStub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what the tests read ------------------------------------------------------------------

    def token_requests(self) -> list[Recorded]:
        with self._changed:
            return [r for r in self.requests if r.path == "/cgi-bin/token"]

    def send_requests(self) -> list[Recorded]:
        with self._changed:
            return [r for r in self.requests if r.path == "/cgi-bin/message/custom/send"]

    def accepted_messages(self) -> list[dict[str, Any]]:
        """Bodies of the sends that were answered errcode 0."""
        with self._changed:
            return list(self._accepted)

    def wait_for_message(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30.0) -> dict[str, Any]:
        """The first accepted message matching ``predicate``; fail after ``timeout`` seconds."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: next((m for m in self._accepted if predicate(m)), None), timeout=timeout
            )
        if found is None:
            raise AssertionError(f"no matching customer-service message within {timeout} s")
        return found

    # -- the server ---------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep the test output clean
                pass

            def _record(self, body: bytes) -> Recorded:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                record = Recorded(self.command, parts.path, query, body)
                with stub._changed:
                    stub.requests.append(record)
                    stub._changed.notify_all()
                return record

            def _answer(self, data: dict[str, Any], status: int = 200) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                record = self._record(b"")
                if record.path != "/cgi-bin/token":
                    self._answer({"errcode": 404, "errmsg": "not found"}, status=404)
                    return
                q = record.query
                if q.get("grant_type") != "client_credential" or q.get("appid") != stub.appid:
                    self._answer({"errcode": 40013, "errmsg": "invalid appid"})
                    return
                if q.get("secret") != stub.secret:
                    self._answer({"errcode": 40125, "errmsg": "invalid appsecret"})
                    return
                with stub._changed:
                    stub.tokens_issued += 1
                    token = stub.current_token
                self._answer({"access_token": token, "expires_in": stub.expires_in})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                record = self._record(self.rfile.read(length))
                if record.path != "/cgi-bin/message/custom/send":
                    self._answer({"errcode": 404, "errmsg": "not found"}, status=404)
                    return
                with stub._changed:
                    if stub.refuse_next_sends:
                        self._answer({"errcode": stub.refuse_next_sends.pop(0), "errmsg": "refused by the stub"})
                        return
                    if record.query.get("access_token") != stub.current_token or not stub.tokens_issued:
                        self._answer({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
                        return
                try:
                    message = record.json()
                except ValueError:
                    self._answer({"errcode": 47001, "errmsg": "data format error"})
                    return
                with stub._changed:
                    stub._accepted.append(message)
                    stub._changed.notify_all()
                self._answer({"errcode": 0, "errmsg": "ok"})

        return Handler
