"""Who may use the plain APIs (``/api/chat``, ``/api/search``): named systems with a token, or this machine.

The widget, WeChat and the agent console have their own ways in; these two routes serve other
systems (a portal's search box, a partner's back office) and the project's own tests. With
``DAOFU_API_TOKENS`` set, a caller must send ``Authorization: Bearer <token>`` (compared in
constant time). Without it, only callers on this machine (loopback) are served, so a fresh
installation does not open a chat API to the internet by accident.
"""

from __future__ import annotations

import hmac
import ipaddress

from sanic import Request
from sanic.response import HTTPResponse

from channels.http import error_response
from daofu.config import Settings


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def refusal(request: Request, settings: Settings) -> HTTPResponse | None:
    """Why ``request`` may not use a plain API, as a response; None when it may."""
    tokens = [token.strip() for token in settings.api_tokens.split(",") if token.strip()]
    if not tokens:
        if _loopback(request.remote_addr or request.ip or ""):
            return None
        return error_response(
            "this API serves only callers on the same machine; set DAOFU_API_TOKENS to give systems access", 403
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    given = given.strip()
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(token.encode(), given.encode("utf-8", "replace"))
    if scheme.lower() != "bearer" or not matched:
        return error_response("send your API token as 'Authorization: Bearer <token>'", 401)
    return None
