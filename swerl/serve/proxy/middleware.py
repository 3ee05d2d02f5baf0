"""ASGI middleware: `/trial/<id>/…` → `/…` plus header `x-swerl-trial-id: <id>` (the agent's base URL carries
its trial, so no agent needs to know about custom headers); and the master-key check, answered here with a
clean 401 (LiteLLM's own auth-failure path wants a database client we do not run); and `POST
/swerl/trials/<id>/end` and `…/sampling` (key required) passed on to the gateway named by $SWERL_GATEWAY_URL, so
whoever knows the proxy can end a trial's gateway session or set its sampling (`swerl.serve.gateway.client`)."""

from __future__ import annotations

import hmac
import json
import os
import re

import httpx

from swerl.serve.gateway.client import END_TRIAL_PATH, SAMPLING_PATH

TRIAL_HEADER = b"x-swerl-trial-id"
_ID = re.compile(r"^[A-Za-z0-9._-]{1,200}$")


_OPEN = ("/health/liveliness", "/health/readiness")
IDENTITY_PATH = "/swerl/identity"
GATEWAY_ENV = "SWERL_GATEWAY_URL"
"""The gateway's root URL (set by `ProxyProcess`); the end-of-trial call is forwarded there."""
_END = re.compile("^" + re.escape(END_TRIAL_PATH).replace(re.escape("{trial_id}"), r"([A-Za-z0-9._-]{1,200})") + "$")
_SAMPLING = re.compile(
    "^" + re.escape(SAMPLING_PATH).replace(re.escape("{trial_id}"), r"([A-Za-z0-9._-]{1,200})") + "$"
)
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
        await _json_response(send, 200, json.dumps({"nonce": os.environ.get(NONCE_ENV, ""), "pid": os.getpid()}))

    async def _to_gateway(self, trial: str, send, path: str = END_TRIAL_PATH, body: bytes = b"") -> None:
        gateway = os.environ.get(GATEWAY_ENV, "").rstrip("/")
        if not gateway:
            await _json_response(send, 503, json.dumps({"error": f"${GATEWAY_ENV} is not set: no gateway to tell"}))
            return
        try:
            async with httpx.AsyncClient(timeout=5.0) as c:
                headers = {"content-type": "application/json"} if body else None
                r = await c.post(gateway + path.format(trial_id=trial), content=body or None, headers=headers)
            await _json_response(send, r.status_code, r.text)
        except httpx.HTTPError as exc:
            await _json_response(send, 502, json.dumps({"error": f"gateway {gateway}: {type(exc).__name__}: {exc}"}))

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
            m = _END.match(scope["path"]) if scope["type"] == "http" and scope.get("method") == "POST" else None
            if m:
                await self._to_gateway(m.group(1), send)
                return
            m = _SAMPLING.match(scope["path"]) if scope["type"] == "http" and scope.get("method") == "POST" else None
            if m:
                await self._to_gateway(m.group(1), send, SAMPLING_PATH, await _body(receive))
                return
        await self.app(scope, receive, send)


async def _json_response(send, status: int, body: str) -> None:
    data = body.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data})


async def _body(receive) -> bytes:
    data = b""
    while True:
        msg = await receive()
        data += msg.get("body", b"")
        if not msg.get("more_body"):
            return data
