"""The customer-service client against a local HTTP stub of WeChat's token and send APIs."""

from __future__ import annotations

import asyncio

import pytest

from channels.wechat.customer_service import (
    AccessTokenError,
    CustomerServiceClient,
    CustomerServiceError,
    custom_message,
)
from channels.wechat.messages import Article, NewsOut, TextOut


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def client_for(stub, clock=None, secret=None) -> CustomerServiceClient:
    return CustomerServiceClient(stub.url, stub.appid, secret or stub.secret, clock=clock or Clock())


def test_a_text_is_sent_with_a_fetched_token(api_stub):
    async def scenario() -> None:
        client = client_for(api_stub)
        try:
            await client.send("oUser1", TextOut("您好]]> <&>"))
        finally:
            await client.close()

    asyncio.run(scenario())
    token_call = api_stub.token_requests()[0]
    assert token_call.query == {"grant_type": "client_credential", "appid": api_stub.appid, "secret": api_stub.secret}
    send = api_stub.send_requests()[0]
    assert send.query["access_token"] == "STUB-TOKEN-1"
    assert "您好".encode() in send.raw_body  # UTF-8, not \\u escapes (WeChat would show those literally)
    assert api_stub.accepted_messages() == [{"touser": "oUser1", "msgtype": "text", "text": {"content": "您好]]> <&>"}}]


def test_a_news_article_is_sent_as_news(api_stub):
    article = Article("前往办理：居民身份证换领", "点击进入在线申报表单。", "http://127.0.0.1:8000/forms/NBC-A-020")

    async def scenario() -> None:
        client = client_for(api_stub)
        try:
            await client.send("oUser1", NewsOut((article,)))
        finally:
            await client.close()

    asyncio.run(scenario())
    assert api_stub.accepted_messages() == [
        {
            "touser": "oUser1",
            "msgtype": "news",
            "news": {"articles": [{"title": article.title, "description": article.description, "url": article.url}]},
        }
    ]


def test_the_token_is_cached_until_shortly_before_it_expires(api_stub):
    clock = Clock()

    async def scenario() -> None:
        client = client_for(api_stub, clock)
        try:
            await asyncio.gather(*(client.send(f"o{n}", TextOut("a")) for n in range(5)))
            assert len(api_stub.token_requests()) == 1  # concurrent senders share one fetch
            clock.now = 7200 - 301
            await client.send("o1", TextOut("b"))
            assert len(api_stub.token_requests()) == 1
            clock.now = 7200 - 299  # inside the safety margin: renew
            await client.send("o1", TextOut("c"))
            assert len(api_stub.token_requests()) == 2
        finally:
            await client.close()

    asyncio.run(scenario())
    assert [r.query["access_token"] for r in api_stub.send_requests()][-1] == "STUB-TOKEN-2"
    assert len(api_stub.accepted_messages()) == 7


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_a_rejected_token_is_refreshed_and_the_send_retried_once(api_stub, errcode):
    async def scenario() -> None:
        client = client_for(api_stub)
        try:
            await client.send("oUser1", TextOut("a"))
            api_stub.refuse_next_sends.append(errcode)
            await client.send("oUser1", TextOut("b"))
        finally:
            await client.close()

    asyncio.run(scenario())
    assert len(api_stub.token_requests()) == 2
    tokens_used = [r.query["access_token"] for r in api_stub.send_requests()]
    assert tokens_used == ["STUB-TOKEN-1", "STUB-TOKEN-1", "STUB-TOKEN-2"]
    assert [m["text"]["content"] for m in api_stub.accepted_messages()] == ["a", "b"]


def test_a_token_revoked_elsewhere_is_noticed_through_40001(api_stub):
    async def scenario() -> None:
        client = client_for(api_stub)
        try:
            await client.send("oUser1", TextOut("a"))
            api_stub.tokens_issued += 1  # another process fetched a token: ours is now invalid
            await client.send("oUser1", TextOut("b"))
        finally:
            await client.close()

    asyncio.run(scenario())
    assert [m["text"]["content"] for m in api_stub.accepted_messages()] == ["a", "b"]


def test_other_refusals_are_reported_with_their_errcode(api_stub):
    async def scenario() -> None:
        client = client_for(api_stub)
        try:
            api_stub.refuse_next_sends.append(45015)  # the user has not written within 48 hours
            with pytest.raises(CustomerServiceError, match="45015") as caught:
                await client.send("oUser1", TextOut("a"))
            assert caught.value.errcode == 45015
            api_stub.refuse_next_sends.extend([40001, 40001])  # a fresh token refused too: give up
            with pytest.raises(CustomerServiceError, match="40001"):
                await client.send("oUser1", TextOut("b"))
        finally:
            await client.close()

    asyncio.run(scenario())
    assert api_stub.accepted_messages() == []


def test_a_wrong_secret_is_an_access_token_error(api_stub):
    async def scenario() -> None:
        client = client_for(api_stub, secret="wrong")
        try:
            with pytest.raises(AccessTokenError, match="40125"):
                await client.send("oUser1", TextOut("a"))
        finally:
            await client.close()

    asyncio.run(scenario())
    assert api_stub.send_requests() == []


def test_an_unreachable_api_is_an_error_not_a_crash():
    async def scenario() -> None:
        from daofu.ports import free_port

        client = CustomerServiceClient(f"http://127.0.0.1:{free_port()}", "wx", "s", timeout=2)
        try:
            with pytest.raises(AccessTokenError, match="unreachable"):
                await client.send("oUser1", TextOut("a"))
        finally:
            await client.close()

    asyncio.run(scenario())


def test_custom_message_shapes():
    assert custom_message("o", TextOut("x")) == {"touser": "o", "msgtype": "text", "text": {"content": "x"}}
    news = custom_message("o", NewsOut((Article("t", "d", "https://u", "https://p"),)))
    assert news["news"]["articles"] == [{"title": "t", "description": "d", "url": "https://u", "picurl": "https://p"}]
