"""The WeChat channel end to end: wechatpy plays WeChat's server against the real service and Rasa.

Requests are signed (and, in safe mode, encrypted) with wechatpy, replies are decrypted and parsed
with wechatpy, and Rasa's tracker is read to count dialogue turns. Slow answers go out through a
local stub of the customer-service API (the ``wechat_api`` fixture).
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from bot.actions.greeting import GREETING
from channels.wechat.events import ONLY_TEXT
from tests.e2e.conftest import AGENT_TOKENS, SERVICE_TEST_ENV, rasa_auth

pytestmark = pytest.mark.e2e

TOKEN = SERVICE_TEST_ENV["DAOFU_WECHAT_TOKEN"]
APPID = SERVICE_TEST_ENV["DAOFU_WECHAT_APPID"]
AES_KEY = SERVICE_TEST_ENV["DAOFU_WECHAT_AES_KEY"]
ACCOUNT = "gh_e2e_daofu"
DEADLINE_HEADER = "X-Daofu-Test-Reply-Deadline"


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def new_openid() -> str:
    return "oE2E" + uuid.uuid4().hex[:20]


def new_msg_id() -> str:
    return str(uuid.uuid4().int % 10**16)


def text_xml(openid: str, content: str, msg_id: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(openid: str, event: str, key: str = "", create_time: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
    )


def media_xml(openid: str, msg_type: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
        f"<PicUrl><![CDATA[http://mmbiz.example/p.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>"
        f"<MsgId>{new_msg_id()}</MsgId></xml>"
    )


class WeChatServer:
    """Plays WeChat: signs and encrypts requests, decrypts and parses replies, all with wechatpy."""

    def __init__(self, base_url: str, appid: str = APPID) -> None:
        self.base_url = base_url
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, appid)

    def signed(self) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
        return {"timestamp": timestamp, "nonce": nonce, "signature": sign(TOKEN, timestamp, nonce)}

    def post(
        self,
        xml: str,
        *,
        aes: bool = True,
        deadline: float | None = None,
        params: dict[str, str] | None = None,
        forge_msg_signature: bool = False,
    ) -> httpx.Response:
        query = self.signed()
        body = xml
        if aes:
            envelope = xmltodict.parse(self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
            msg_signature = envelope["MsgSignature"]
            if forge_msg_signature:
                msg_signature = sign("forged", query["timestamp"], query["nonce"], envelope["Encrypt"])
            query.update(encrypt_type="aes", msg_signature=msg_signature)
            body = (
                f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
            )
        query.update(params or {})
        headers = {"Content-Type": "text/xml"}
        if deadline is not None:
            headers[DEADLINE_HEADER] = str(deadline)
        return httpx.post(f"{self.base_url}/wechat", params=query, content=body.encode(), headers=headers, timeout=60)

    def read(self, response: httpx.Response, *, aes: bool = True) -> Any:
        """The reply as wechatpy parses it, or ``None`` for "success"."""
        assert response.status_code == 200, response.text
        if response.text == "success":
            return None
        assert response.headers["content-type"].startswith("application/xml")
        xml = response.text
        if aes:
            envelope = xmltodict.parse(xml)["xml"]
            assert set(envelope) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
            xml = self.crypto.decrypt_message(xml, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
        return parse_message(xml)


@pytest.fixture(scope="module")
def wechat(servers) -> WeChatServer:
    return WeChatServer(servers.service_url)


def user_texts(servers, openid: str) -> list[str]:
    """What the dialogue received from this user, from Rasa's tracker."""
    response = httpx.get(f"{servers.rasa_url}/conversations/wx-{openid}/tracker", params=rasa_auth(servers), timeout=30)
    response.raise_for_status()
    return [event.get("text") for event in response.json()["events"] if event["event"] == "user"]


# -- URL verification ----------------------------------------------------------------------------


def test_url_verification_echoes_echostr(servers, wechat):
    params = {**wechat.signed(), "echostr": "7364823749823"}
    response = httpx.get(f"{servers.service_url}/wechat", params=params, timeout=30)
    assert response.status_code == 200 and response.text == "7364823749823"


def test_url_verification_with_a_forged_signature_is_refused(servers, wechat):
    params = {**wechat.signed(), "echostr": "7364823749823"}
    params["signature"] = sign("not-our-token", params["timestamp"], params["nonce"])
    response = httpx.get(f"{servers.service_url}/wechat", params=params, timeout=30)
    assert response.status_code == 403 and "7364823749823" not in response.text


# -- messages ------------------------------------------------------------------------------------


def test_a_plaintext_message_is_refused_while_safe_mode_is_configured(servers, wechat):
    # The account under test has an EncodingAESKey: a request that drops encrypt_type is a downgrade.
    openid = new_openid()
    response = wechat.post(text_xml(openid, "你好", new_msg_id()), aes=False)
    assert response.status_code == 403 and "safe mode" in response.text
    assert user_texts(servers, openid) == []


def test_an_encrypted_text_message_gets_an_encrypted_greeting(servers, wechat):
    openid = new_openid()
    response = wechat.post(text_xml(openid, "你好", new_msg_id()), aes=True)
    assert "你好" not in response.text and GREETING not in response.text
    reply = wechat.read(response, aes=True)
    assert GREETING in reply.content
    assert (reply.source, reply.target) == (ACCOUNT, openid)
    assert user_texts(servers, openid) == ["你好"]


@pytest.mark.parametrize("aes", [False, True], ids=["plain", "aes"])
def test_a_forged_signature_is_refused_and_reaches_no_dialogue(servers, wechat, aes):
    openid = new_openid()
    forged = {"signature": sign("not-our-token", "1700000000", "nonce"), "timestamp": "1700000000", "nonce": "nonce"}
    response = wechat.post(text_xml(openid, "你好", new_msg_id()), aes=aes, params=forged)
    assert response.status_code == 403
    assert "signature" in response.text
    assert user_texts(servers, openid) == []


def test_a_forged_msg_signature_is_refused_and_reaches_no_dialogue(servers, wechat):
    openid = new_openid()
    response = wechat.post(text_xml(openid, "你好", new_msg_id()), aes=True, forge_msg_signature=True)
    assert response.status_code == 403 and "msg_signature" in response.text
    assert user_texts(servers, openid) == []


def test_unsigned_requests_are_refused(servers):
    response = httpx.post(f"{servers.service_url}/wechat", content=text_xml(new_openid(), "你好", "1"), timeout=30)
    assert response.status_code == 403


def test_a_message_encrypted_for_another_appid_is_refused(servers):
    other = WeChatServer(servers.service_url, appid="wxotheraccount0000")
    openid = new_openid()
    response = other.post(text_xml(openid, "你好", new_msg_id()), aes=True)
    assert response.status_code == 403 and "AppID" in response.text
    assert user_texts(servers, openid) == []


def test_three_deliveries_of_one_message_make_one_turn_and_one_answer(servers, wechat):
    """WeChat's retries, arriving while the first delivery is still being answered, and after."""
    openid, msg_id = new_openid(), new_msg_id()
    xml = text_xml(openid, "你好", msg_id)

    def deliver(delay: float) -> httpx.Response:
        time.sleep(delay)
        return wechat.post(xml)

    with ThreadPoolExecutor(max_workers=3) as pool:
        responses = list(pool.map(deliver, [0.0, 0.05, 0.1]))
    replies = [wechat.read(response) for response in responses]
    later = wechat.read(wechat.post(xml))
    contents = {reply.content for reply in [*replies, later]}
    assert len(contents) == 1 and GREETING in contents.pop()
    assert user_texts(servers, openid) == ["你好"]


def test_retries_of_an_encrypted_message_get_the_same_answer(servers, wechat):
    openid, msg_id = new_openid(), new_msg_id()
    xml = text_xml(openid, "你好", msg_id)
    with ThreadPoolExecutor(max_workers=3) as pool:
        responses = list(pool.map(lambda _: wechat.post(xml, aes=True), range(3)))
    contents = {wechat.read(response, aes=True).content for response in responses}
    assert len(contents) == 1
    assert user_texts(servers, openid) == ["你好"]


def test_a_slow_answer_is_pushed_through_the_customer_service_api(servers, wechat, wechat_api):
    openid, msg_id = new_openid(), new_msg_id()
    xml = text_xml(openid, "你好", msg_id)
    # A deadline of 0 s: the real dialogue is always slower, so the reply must be "success".
    assert wechat.read(wechat.post(xml, deadline=0)) is None
    pushed = wechat_api.wait_for_message(lambda m: m.get("touser") == openid, timeout=60)
    assert pushed["msgtype"] == "text" and GREETING in pushed["text"]["content"]
    token_request = wechat_api.token_requests()[0]
    assert token_request.query == {
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": SERVICE_TEST_ENV["DAOFU_WECHAT_SECRET"],
    }
    # WeChat's retry of the same message: no second turn, no second answer.
    assert wechat.read(wechat.post(xml)) is None
    time.sleep(0.5)
    assert [m for m in wechat_api.accepted_messages() if m.get("touser") == openid] == [pushed]
    assert user_texts(servers, openid) == ["你好"]


def test_a_rejected_access_token_is_renewed_for_the_push(servers, wechat, wechat_api):
    first, second = new_openid(), new_openid()
    wechat.read(wechat.post(text_xml(first, "你好", new_msg_id()), deadline=0))  # the token is cached now
    wechat_api.wait_for_message(lambda m: m.get("touser") == first, timeout=60)
    tokens_before = len(wechat_api.token_requests())
    wechat_api.refuse_next_sends.append(40001)
    assert wechat.read(wechat.post(text_xml(second, "你好", new_msg_id()), deadline=0, aes=True)) is None
    pushed = wechat_api.wait_for_message(lambda m: m.get("touser") == second, timeout=60)
    assert GREETING in pushed["text"]["content"]
    assert len(wechat_api.token_requests()) == tokens_before + 1


# -- events and other message types ----------------------------------------------------------------


def test_subscribing_greets(servers, wechat):
    openid = new_openid()
    reply = wechat.read(wechat.post(event_xml(openid, "subscribe")))
    assert GREETING in reply.content
    assert user_texts(servers, openid) == ["/greet"]


def test_the_start_menu_greets_and_its_retry_is_one_turn(servers, wechat):
    openid = new_openid()
    xml = event_xml(openid, "CLICK", "DAOFU_START", create_time=int(time.time()))
    first, retry = wechat.read(wechat.post(xml, aes=True), aes=True), wechat.read(wechat.post(xml, aes=True), aes=True)
    assert GREETING in first.content and retry.content == first.content
    assert user_texts(servers, openid) == ["/greet"]


@pytest.mark.parametrize("key, payload", [("DAOFU_HUMAN", "/human_handoff"), ("DAOFU_RATE", "/request_rating")])
def test_menu_keys_send_their_payloads_to_the_dialogue(servers, wechat, key, payload):
    openid = new_openid()
    response = wechat.post(event_xml(openid, "CLICK", key))
    assert response.status_code == 200
    assert user_texts(servers, openid) == [payload]


def test_unsubscribing_is_acknowledged_without_a_turn(servers, wechat):
    openid = new_openid()
    assert wechat.read(wechat.post(event_xml(openid, "unsubscribe"))) is None
    assert user_texts(servers, openid) == []


@pytest.mark.parametrize("msg_type", ["image", "voice"])
def test_non_text_messages_get_a_polite_note(servers, wechat, msg_type):
    openid = new_openid()
    reply = wechat.read(wechat.post(media_xml(openid, msg_type), aes=True), aes=True)
    assert reply.content == ONLY_TEXT.content
    assert user_texts(servers, openid) == []


# -- malformed requests ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, reason",
    [
        ("<xml><ToUserName>gh", "not well-formed XML"),
        ("", "empty"),
        ('<!DOCTYPE xml [<!ENTITY e "x">]><xml><Content>&e;</Content></xml>', "DOCTYPE"),
        (text_xml("oE2Ebad", "你好", "1").replace("<MsgId>1</MsgId>", ""), "lacks MsgId"),
        ("<xml><ToUserName>gh</ToUserName><MsgType>text</MsgType></xml>", "lacks FromUserName"),
    ],
)
def test_malformed_messages_get_400_with_a_clear_reason(servers, wechat, body, reason):
    response = wechat.post(body)  # encrypted and signed correctly: the message inside is what is wrong
    assert response.status_code == 400
    assert reason in response.text
    assert "Traceback" not in response.text and 'File "' not in response.text


def test_a_broken_encrypted_message_gets_400(servers, wechat):
    query = wechat.signed()
    garbage = "bm90IGFuIEFFUyBibG9jaw=="
    query.update(encrypt_type="aes", msg_signature=sign(TOKEN, query["timestamp"], query["nonce"], garbage))
    body = f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt>{garbage}</Encrypt></xml>"
    response = httpx.post(f"{servers.service_url}/wechat", params=query, content=body.encode(), timeout=30)
    assert response.status_code == 400 and "bad WeChat message" in response.text


def test_an_encrypted_request_without_encrypt_gets_400(servers, wechat):
    query = {**wechat.signed(), "encrypt_type": "aes", "msg_signature": "x"}
    response = httpx.post(f"{servers.service_url}/wechat", params=query, content=b"<xml><A>1</A></xml>", timeout=30)
    assert response.status_code == 400 and "lacks Encrypt" in response.text


# -- a person takes over -------------------------------------------------------------------------

AGENT_ID, AGENT_TOKEN = next(iter(AGENT_TOKENS.items()))
AGENT_AUTH = {"Authorization": f"Bearer {AGENT_TOKEN}"}


def pushed_to(wechat_api, openid: str, fragment: str) -> dict[str, Any]:
    """The customer-service text message to ``openid`` that contains ``fragment`` (waits for it)."""
    return wechat_api.wait_for_message(
        lambda m: m.get("touser") == openid and m.get("msgtype") == "text" and fragment in m["text"]["content"],
        timeout=30,
    )


def test_an_agent_takes_over_a_wechat_conversation_and_gives_it_back(servers, wechat, wechat_api, service):
    openid = new_openid()
    reply = wechat.read(wechat.post(text_xml(openid, "转人工", new_msg_id())))
    assert "已为您转接人工客服" in reply.content and "预计等待约" in reply.content
    assert "好差评" not in reply.content  # no rating right after asking for a person
    queue = service.get("/api/agent/handoffs", headers=AGENT_AUTH).json()["handoffs"]
    (handoff,) = [h for h in queue if h["sender_id"] == f"wx-{openid}"]
    assert handoff["channel"] == "wechat" and handoff["status"] == "open"

    taken = service.post(f"/api/agent/handoffs/{handoff['id']}", json={"status": "taken"}, headers=AGENT_AUTH)
    assert taken.status_code == 200
    pushed_to(wechat_api, openid, "已接入")
    # A second agent cannot take it any more.
    other_token = list(AGENT_TOKENS.values())[1]
    again = service.post(f"/api/agent/handoffs/{handoff['id']}", json={"status": "taken"},
                         headers={"Authorization": f"Bearer {other_token}"})  # fmt: skip
    assert again.status_code == 409

    words = "您好，我是12345热线工作人员，请问您要办理什么业务？"
    sent = service.post(f"/api/agent/handoffs/{handoff['id']}/messages", json={"text": words}, headers=AGENT_AUTH)
    assert sent.status_code == 200 and sent.json()["live"] is True
    message = pushed_to(wechat_api, openid, words)
    assert message["text"]["content"] == f"【人工客服】{words}"

    # The citizen answers: the assistant stays silent ("success"), the agent reads it, masked.
    answer = "我想换身份证，电话13912345678"
    assert wechat.read(wechat.post(text_xml(openid, answer, new_msg_id()))) is None
    transcript = service.get(f"/api/agent/handoffs/{handoff['id']}/transcript", headers=AGENT_AUTH).json()
    lines = [(line["from"], line["text"]) for line in transcript["transcript"]]
    assert ("citizen", "我想换身份证，电话139****5678") in lines and ("agent", words) in lines
    assert transcript["handoff"]["taken_by"] == AGENT_ID

    released = service.post(f"/api/agent/handoffs/{handoff['id']}/release", headers=AGENT_AUTH)
    assert released.status_code == 200 and released.json()["status"] == "closed"
    rating = pushed_to(wechat_api, openid, "智能导服继续为您服务")
    assert "回复 1 非常满意" in rating["text"]["content"]

    # The numbered rating works, once; then the assistant answers the next question again.
    rated = wechat.read(wechat.post(text_xml(openid, "1", new_msg_id())))
    assert "您的评价：非常满意" in rated.content
    next_answer = wechat.read(wechat.post(text_xml(openid, "身份证快到期了怎么换", new_msg_id())))
    assert next_answer is not None and "居民身份证" in next_answer.content
    texts = user_texts(servers, openid)
    assert answer in texts and "身份证快到期了怎么换" in texts  # the tracker keeps the whole conversation
