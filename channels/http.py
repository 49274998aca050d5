"""JSON responses that keep Chinese readable, and reading query parameters without surprises."""

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


class BadArgument(ValueError):
    """A query parameter that cannot be used; the message says which and what is allowed."""


def int_arg(args: Any, name: str, default: int, low: int, high: int) -> int:
    """The whole number ``name`` in ``args`` (a request's query), within ``low``..``high``.

    Only ASCII digits count: ``str.isdigit`` accepts "²" and "①", which ``int`` then refuses.
    """
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not (isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 9) or not low <= int(raw) <= high:
        raise BadArgument(f"{name} must be a whole number from {low} to {high}")
    return int(raw)
