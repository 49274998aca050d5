"""Push messages through WeChat's customer-service API (客服消息), for answers too slow to reply.

A passive reply must come within 5 s. When the dialogue takes longer, the route replies
"success" and the answer goes out later through
``POST {base}/cgi-bin/message/custom/send?access_token=…``.

The access token comes from ``GET {base}/cgi-bin/token?grant_type=client_credential&appid=…&secret=…``
and is valid for ``expires_in`` seconds (7200). WeChat limits how often it may be fetched, so it is
cached until shortly before it expires, fetched by one caller at a time, and thrown away early when
WeChat says it is invalid or expired (errcode 40001 / 42001 / 40014); the send is then retried once
with a fresh token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from channels.wechat.messages import NewsOut, Outgoing, TextOut
from daofu.errors import DaofuError

log = logging.getLogger(__name__)

# The token is invalid (40001, 40014) or expired (42001): fetch a new one and try again.
TOKEN_REJECTED = frozenset({40001, 40014, 42001})


class CustomerServiceError(DaofuError):
    """WeChat's API refused the request or could not be reached."""

    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


class AccessTokenError(CustomerServiceError):
    """No access token could be obtained (wrong AppID/secret, IP not whitelisted, API down)."""


def custom_message(openid: str, outgoing: Outgoing) -> dict[str, Any]:
    """The customer-service API's JSON for one message."""
    if isinstance(outgoing, TextOut):
        return {"touser": openid, "msgtype": "text", "text": {"content": outgoing.content}}
    if isinstance(outgoing, NewsOut):
        # The API sends a single article per news message.
        article = outgoing.articles[0]
        item = {"title": article.title, "description": article.description, "url": article.url}
        if article.pic_url:
            item["picurl"] = article.pic_url
        return {"touser": openid, "msgtype": "news", "news": {"articles": [item]}}
    raise TypeError(f"cannot send {type(outgoing).__name__} through the customer-service API")


class AccessTokenCache:
    """One valid access token, fetched when missing or about to expire."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_base: str,
        appid: str,
        secret: str,
        clock: Callable[[], float] = time.monotonic,
        margin: float = 300.0,
    ) -> None:
        self._http = http
        self._url = f"{api_base.rstrip('/')}/cgi-bin/token"
        self._appid = appid
        self._secret = secret
        self._clock = clock
        self._margin = margin
        self._token = ""
        self._valid_until = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        if self._token and self._clock() < self._valid_until:
            return self._token
        async with self._lock:
            # Another caller may have fetched it while this one waited for the lock.
            if self._token and self._clock() < self._valid_until:
                return self._token
            await self._fetch()
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (WeChat rejected it), unless a newer one already replaced it."""
        if token == self._token:
            self._token = ""
            self._valid_until = 0.0

    async def _fetch(self) -> None:
        params = {"grant_type": "client_credential", "appid": self._appid, "secret": self._secret}
        try:
            response = await self._http.get(self._url, params=params)
        except httpx.HTTPError as exc:
            raise AccessTokenError(
                f"the access-token API at {self._url} is unreachable ({type(exc).__name__})"
            ) from None
        data = _json_object(response)
        token, expires_in = data.get("access_token"), data.get("expires_in", 7200)
        if not isinstance(token, str) or not token:
            raise AccessTokenError(
                f"the access-token API refused: errcode {data.get('errcode')} {data.get('errmsg', '')}".rstrip(),
                errcode=data.get("errcode") if isinstance(data.get("errcode"), int) else None,
            )
        try:
            lifetime = float(expires_in)
        except (TypeError, ValueError):
            lifetime = 7200.0
        # Renew well before expiry: at most ``margin`` early, and never later than 90 % of the lifetime.
        self._token = token
        self._valid_until = self._clock() + lifetime - min(self._margin, lifetime * 0.1)
        log.info("wechat access token fetched, valid for %.0f s", lifetime)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise CustomerServiceError(f"WeChat's API answered HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        raise CustomerServiceError("WeChat's API answered something that is not JSON") from None
    if not isinstance(data, dict):
        raise CustomerServiceError("WeChat's API answered JSON that is not an object")
    return data


class CustomerServiceClient:
    """Sends customer-service messages to users of one official account."""

    def __init__(
        self,
        api_base: str,
        appid: str,
        secret: str,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = httpx.AsyncClient(timeout=timeout)
        self._send_url = f"{api_base.rstrip('/')}/cgi-bin/message/custom/send"
        self.tokens = AccessTokenCache(self._http, api_base, appid, secret, clock=clock)

    async def send(self, openid: str, outgoing: Outgoing) -> None:
        """Send one message; retry once with a fresh token when WeChat rejects the cached one."""
        body = json.dumps(custom_message(openid, outgoing), ensure_ascii=False).encode("utf-8")
        for attempt in (1, 2):
            token = await self.tokens.get()
            try:
                response = await self._http.post(
                    self._send_url,
                    params={"access_token": token},
                    content=body,
                    headers={"Content-Type": "application/json; charset=utf-8"},
                )
            except httpx.HTTPError as exc:
                raise CustomerServiceError(f"the customer-service API is unreachable ({type(exc).__name__})") from None
            data = _json_object(response)
            errcode = data.get("errcode", 0)
            if errcode == 0:
                return
            if errcode in TOKEN_REJECTED and attempt == 1:
                log.info("wechat rejected the access token (errcode %s); fetching a new one", errcode)
                self.tokens.invalidate(token)
                continue
            raise CustomerServiceError(
                f"the customer-service API refused the message: errcode {errcode} {data.get('errmsg', '')}".rstrip(),
                errcode=errcode if isinstance(errcode, int) else None,
            )

    async def close(self) -> None:
        await self._http.aclose()
