"""ASGI middleware: request ids and one log line per request, a request body limit, CORS."""

import json
import logging
import re
import sys
import time
import uuid

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.errors import problem

log = logging.getLogger("recotrack.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is echoed back only when it is short and plain; anything else gets a new one.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class RequestLogMiddleware:
    """Give every request an id (X-Request-ID in and out) and log one line when it ends.

    The line holds the id, method, route template, status and duration: never the query
    string, headers or body, which may carry keys or personal data.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: dict[int, str] = {}

    def _template(self, scope: Scope) -> str:
        """The matched route's full path template, e.g. /api/v1/recommendations/{rec_id}."""
        route = scope.get("route")
        if route is None:
            return "<unmatched>"
        if id(route) not in self._templates and "app" in scope:
            # Included routers keep their own relative paths; the app knows the full ones.
            for context in iter_route_contexts(scope["app"].routes):
                self._templates[id(context.original_route)] = context.path_format or ""
        return self._templates.get(id(route)) or getattr(route, "path", "<unknown>")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _SANE_REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "%s",
                json.dumps(
                    {
                        "request_id": request_id,
                        "method": scope["method"],
                        "route": self._template(scope),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    }
                ),
            )


class BodyLimitMiddleware:
    """Answer 413 (problem+json) to a request body over max_bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    @property
    def detail(self) -> str:
        return f"The request body is larger than the limit of {self.max_bytes:,} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            refusal = problem(413, "Content too large", self.detail, limit=self.max_bytes)
            await refusal(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # A chunked body went over the limit while the app read it; the app's
                    # handler turns this into the same problem+json 413.
                    raise HTTPException(413, self.detail)
            return message

        await self.app(scope, counting_receive, send)


def _configure_log(settings: Settings) -> None:
    # Request lines go to stderr as JSON, unless the host application set up this logger.
    if not settings.request_log or log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middleware; the last added runs first, so the request id wraps everything."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", REQUEST_ID_HEADER],
            expose_headers=["ETag", "Link", "Location", REQUEST_ID_HEADER],
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    _configure_log(settings)
    app.add_middleware(RequestLogMiddleware)
