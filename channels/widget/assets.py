"""Small static files (scripts, styles, pages) served from memory with an explicit charset.

The widget's script is loaded by portal pages that may well be encoded in GBK; without
``charset=utf-8`` on the response the browser would decode the script's Chinese with the page's
encoding. Files are read once at start (they are a few kilobytes) and answered with an ETag, so
browsers revalidate cheaply and pick up a new version after a deployment.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sanic import Request, response
from sanic.response import HTTPResponse

CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str

    @classmethod
    def read(cls, path: Path) -> Asset:
        body = path.read_bytes()
        return cls.of(body, CONTENT_TYPES.get(path.suffix, "application/octet-stream"))

    @classmethod
    def of(cls, body: bytes, content_type: str) -> Asset:
        return cls(body, content_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')

    def serve(self, request: Request, headers: dict[str, str] | None = None) -> HTTPResponse:
        common = {"ETag": self.etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        common.update(headers or {})
        if request.headers.get("if-none-match") == self.etag:
            return response.empty(status=304, headers=common)
        return response.raw(self.body, content_type=self.content_type, headers=common)
