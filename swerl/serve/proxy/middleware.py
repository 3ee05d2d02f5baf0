"""ASGI middleware: `/trial/<id>/…` → `/…` plus header `x-swerl-trial-id: <id>` (the agent's base URL carries
its trial, so no agent needs to know about custom headers); and the master-key check, answered here with a
clean 401 (LiteLLM's own auth-failure path wants a database client we do not run)."""

from __future__ import annotations

import hmac
import json
import os
import re

TRIAL_HEADER = b"x-swerl-trial-id"
_ID = re.compile(r"^[A-Za-z0-9._-]{1,200}$")


_OPEN = ("/health/liveliness", "/health/readiness")
IDENTITY_PATH = "/swerl/identity"
NONCE_ENV = "SWERL_PROXY_NONCE"
"""Each proxy start gets a random nonce in this env var; `GET /swerl/identity` answers it (and the pid), so
the starter's readiness check proves the server on the port is the one it started."""


def _presented_key(headers: list[tuple[bytes, bytes]]) -> str:
    for k, v in headers:
        k = k.lower()
        if k == b"authorization" and v.lower().startswith(b"bearer "):
            return v[7:].decode(errors="replace").strip()
        if k in (b"x-api-key", b"api-key"):
            return v.decode(errors="replace").strip()
    return ""


class TrialPrefixMiddleware:
    def __init__(self, app, master_key: str | None = None):
        self.app = app
        self.master_key = master_key

    async def _deny(self, send) -> None:
        body = json.dumps(
            {
                "error": {
                    "message": "missing or wrong proxy key — send the master key as "
                    "'Authorization: Bearer …' or 'x-api-key'",
                    "type": "auth_error",
                    "code": 401,
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _identity(self, send) -> None:
        body = json.dumps({"nonce": os.environ.get(NONCE_ENV, ""), "pid": os.getpid()}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            path: str = scope.get("path", "")
            if path == IDENTITY_PATH and scope["type"] == "http":
                await self._identity(send)
                return
            if path.startswith("/trial/"):
                _, _, trial, *rest = path.split("/", 3)
                if _ID.match(trial):
                    new_path = "/" + (rest[0] if rest else "")
                    headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != TRIAL_HEADER]
                    scope = {
                        **scope,
                        "path": new_path,
                        "raw_path": new_path.encode(),
                        "headers": [*headers, (TRIAL_HEADER, trial.encode())],
                    }
            if (
                self.master_key
                and scope["type"] == "http"
                and scope["path"] not in _OPEN
                and not hmac.compare_digest(_presented_key(scope.get("headers", [])), self.master_key)
            ):
                await self._deny(send)
                return
        await self.app(scope, receive, send)
