"""The dashboard web server: stdlib `ThreadingHTTPServer`, GET only — `/api/*` from `Api`, the rest from `dist/`.

python -m swerl.dashboard.server --root RUN_ROOT --port 8090 [--host 127.0.0.1]
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import mimetypes
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from swerl.dashboard.api import Api

DIST = Path(__file__).resolve().parents[2] / "dashboard" / "webui" / "dist"
"""The committed front-end build (`dashboard/webui/dist`); `SWERL_DASHBOARD_DIST` overrides."""


def dist_dir() -> Path:
    return Path(os.environ.get("SWERL_DASHBOARD_DIST") or DIST)


def _finite(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def to_json(obj) -> bytes:
    """JSON the browser can parse: NaN/inf become null."""
    try:
        return json.dumps(obj, allow_nan=False, separators=(",", ":")).encode()
    except ValueError:
        return json.dumps(_finite(obj), separators=(",", ":")).encode()


def make_handler(api: Api, dist: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "swerl-dashboard"

        def log_message(self, fmt: str, *args) -> None:  # keep the log for errors only
            pass

        def _send(self, status: int, body: bytes, ctype: str, cache: str = "no-store") -> None:
            if len(body) > 32_768 and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body, compresslevel=1)
                self.send_response(status)
                self.send_header("Content-Encoding", "gzip")
            else:
                self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", cache)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (stdlib name)
            url = urlsplit(self.path)
            if url.path.startswith("/api/"):
                try:
                    status, obj = api.handle(url.path, dict(parse_qsl(url.query)))
                except Exception as exc:  # one bad file must not take the server down
                    print(f"[dashboard] {url.path}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                    status, obj = 500, {"error": f"{type(exc).__name__}: {exc}"}
                self._send(status, to_json(obj), "application/json")
                return
            rel = url.path.lstrip("/") or "index.html"
            target = (dist / rel).resolve()
            if not target.is_relative_to(dist.resolve()) or not target.is_file():
                if "." in rel.rsplit("/", 1)[-1]:
                    self._send(404, b"not found", "text/plain")
                    return
                target = dist / "index.html"  # client-side routes
            if not target.is_file():
                msg = f"front end not built: {dist} has no index.html — run: cd dashboard/webui && npm ci && npm run build"
                self._send(500, msg.encode(), "text/plain")
                return
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self._send(200, target.read_bytes(), ctype, "no-cache")

    return Handler


def make_server(root: Path, host: str, port: int, dist: Path | None = None) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(Api(root), dist or dist_dir()))
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="swerl dashboard server")
    p.add_argument("--root", default=".", help="run output root (holds logs/, trials/, .swerl/)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8090")))
    a = p.parse_args(argv)
    server = make_server(Path(a.root), a.host, a.port)
    print(f"[dashboard] serving {Path(a.root).resolve()} at http://{a.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
