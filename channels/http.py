"""JSON responses that keep Chinese readable (Sanic's default escapes every non-ASCII character)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from sanic import response
from sanic.response import HTTPResponse

_dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    return response.json(body, status=status, headers=headers, dumps=_dumps)


def error_response(message: str, status: int) -> HTTPResponse:
    """``{"error": message}``: what was wrong and what to do, never a traceback."""
    return json_response({"error": message}, status=status)
