"""A stand-in Kubernetes API server (TEST DOUBLE: no cluster can run on this machine).

Answers the calls `swerl.rollout.envs.k8s` makes, in the real API's shapes, so the real `kubernetes` client
runs unchanged: create / read / list / delete pods (REST + JSON), and the pod `exec` subresource over a real
websocket with the v5.channel.k8s.io (or v4) channel protocol — stdin (0), stdout (1), stderr (2), status (3),
close (255). "Kubelet": each pod is a local Docker container (`docker exec -i` runs the commands), labelled
`swerl.fake-k8s=<server id>` so the test removes exactly its own.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import struct
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
POD = re.compile(r"^/api/v1/namespaces/([^/]+)/pods(?:/([^/]+))?(?:/(exec))?$")


def _frame(payload: bytes, opcode: int = 2) -> bytes:
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 1 << 16:
        head += bytes([126]) + struct.pack(">H", n)
    else:
        head += bytes([127]) + struct.pack(">Q", n)
    return head + payload


def _read_frame(rfile) -> tuple[int, bytes]:
    b1, b2 = rfile.read(2)
    opcode, n = b1 & 0x0F, b2 & 0x7F
    if n == 126:
        n = struct.unpack(">H", rfile.read(2))[0]
    elif n == 127:
        n = struct.unpack(">Q", rfile.read(8))[0]
    mask = rfile.read(4) if b2 & 0x80 else b"\0\0\0\0"
    data = rfile.read(n)
    return opcode, bytes(c ^ mask[i % 4] for i, c in enumerate(data))


class FakeK8s:
    def __init__(self, image_ok=lambda image: True, start_delay: float = 0.3):
        self.id = os.urandom(4).hex()
        self.pods: dict[tuple[str, str], dict] = {}
        self.containers: dict[tuple[str, str], str] = {}
        self.created: list[dict] = []
        self.deleted: list[str] = []
        self.execs: list[list[str]] = []
        self.protocols: list[str] = []
        self.image_ok = image_ok
        self.start_delay = start_delay
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _json(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self):
                u = urlparse(self.path)
                m = POD.match(u.path)
                return (m.groups() if m else (None, None, None)), parse_qs(u.query)

            def do_POST(self):  # noqa: N802
                (ns, name, sub), _ = self._route()
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if ns is None or name or sub:
                    return self._json(404, {"kind": "Status", "status": "Failure", "code": 404})
                code, out = outer.create(ns, body)
                self._json(code, out)

            def do_GET(self):  # noqa: N802
                (ns, name, sub), q = self._route()
                if ns is None:
                    return self._json(404, {"kind": "Status", "status": "Failure", "code": 404})
                if sub == "exec":
                    return outer.exec_ws(self, ns, name, q)
                if name is None:
                    sel = q.get("labelSelector", [""])[0]
                    items = [p for (n, _), p in outer.pods.items() if n == ns and outer.matches(p, sel)]
                    return self._json(200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items})
                pod = outer.pods.get((ns, name))
                if pod is None:
                    return self._json(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404})
                self._json(200, outer.refresh(ns, name))

            def do_DELETE(self):  # noqa: N802
                (ns, name, _), _ = self._route()
                if self.headers.get("Content-Length"):
                    self.rfile.read(int(self.headers["Content-Length"]))
                pod = outer.pods.pop((ns, name), None)
                if pod is None:
                    return self._json(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404})
                outer.deleted.append(name)
                cid = outer.containers.pop((ns, name), None)
                if cid:
                    subprocess.run(["docker", "rm", "-f", cid], capture_output=True)
                self._json(200, pod)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    # --- pods -----------------------------------------------------------------------------------
    @staticmethod
    def matches(pod: dict, selector: str) -> bool:
        labels = pod["metadata"].get("labels", {})
        return all(labels.get(k) == v for k, v in (t.split("=", 1) for t in selector.split(",") if t))

    def create(self, ns: str, body: dict) -> tuple[int, dict]:
        name = body["metadata"]["name"]
        if (ns, name) in self.pods:
            return 409, {"kind": "Status", "status": "Failure", "reason": "AlreadyExists", "code": 409}
        self.created.append(body)
        c = body["spec"]["containers"][0]
        pod = {
            **body,
            "metadata": {**body["metadata"], "namespace": ns, "uid": os.urandom(8).hex()},
            "status": {"phase": "Pending"},
        }
        self.pods[(ns, name)] = pod
        if not self.image_ok(c["image"]):
            pod["status"]["containerStatuses"] = [
                {
                    "name": "main",
                    "ready": False,
                    "restartCount": 0,
                    "image": c["image"],
                    "imageID": "",
                    "state": {"waiting": {"reason": "ErrImagePull", "message": "not found"}},
                }
            ]
            return 201, pod

        def run():
            time.sleep(self.start_delay)  # a real pod is Pending for a while
            argv = [
                "docker",
                "run",
                "-d",
                "--init",
                "--label",
                f"swerl.fake-k8s={self.id}",
                "--add-host",
                "host.docker.internal:host-gateway",
            ]
            for e in c.get("env") or []:
                argv += ["-e", f"{e['name']}={e['value']}"]
            if c.get("workingDir"):
                argv += ["-w", c["workingDir"]]
            if (ns, name) not in self.pods:  # deleted (or the server closed) while Pending
                return
            r = subprocess.run([*argv, c["image"], *c["command"]], capture_output=True, text=True)
            if (ns, name) in self.pods:
                self.containers[(ns, name)] = r.stdout.strip()
            else:
                subprocess.run(["docker", "rm", "-f", r.stdout.strip()], capture_output=True)

        threading.Thread(target=run, daemon=True).start()
        return 201, pod

    def refresh(self, ns: str, name: str) -> dict:
        pod = self.pods[(ns, name)]
        if (ns, name) in self.containers and pod["status"]["phase"] == "Pending":
            pod["status"] = {
                "phase": "Running",
                "containerStatuses": [
                    {
                        "name": "main",
                        "ready": True,
                        "restartCount": 0,
                        "image": "x",
                        "imageID": "x",
                        "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}},
                    }
                ],
            }
        return pod

    # --- exec over websocket -----------------------------------------------------------------------
    def exec_ws(self, h: BaseHTTPRequestHandler, ns: str, name: str, q: dict) -> None:
        cid = self.containers.get((ns, name))
        if cid is None:
            return h._json(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404})
        offered = [p.strip() for p in (h.headers.get("Sec-WebSocket-Protocol") or "").split(",")]
        proto = next(p for p in ("v5.channel.k8s.io", "v4.channel.k8s.io") if p in offered)
        self.protocols.append(proto)
        accept = base64.b64encode(hashlib.sha1((h.headers["Sec-WebSocket-Key"] + GUID).encode()).digest()).decode()
        h.send_response(101)
        h.send_header("Upgrade", "websocket")
        h.send_header("Connection", "Upgrade")
        h.send_header("Sec-WebSocket-Accept", accept)
        h.send_header("Sec-WebSocket-Protocol", proto)
        h.end_headers()
        h.wfile.flush()
        argv = q.get("command", [])
        self.execs.append(argv)
        stdin = q.get("stdin", ["false"])[0] == "true"
        proc = subprocess.Popen(
            ["docker", "exec", *(["-i"] if stdin else []), cid, *argv],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        lock = threading.Lock()

        def send(payload: bytes, opcode: int = 2) -> None:
            with lock:
                h.wfile.write(_frame(payload, opcode))
                h.wfile.flush()

        def pump(stream, channel: int) -> None:
            while chunk := stream.read1(65536):
                send(bytes([channel]) + chunk)

        def reader() -> None:  # client → process stdin; close frame / v5 close-channel → EOF
            try:
                while True:
                    opcode, data = _read_frame(h.rfile)
                    if opcode == 8:
                        break
                    if opcode == 9:
                        send(data, 10)
                    elif data[:1] == b"\x00" and proc.stdin:
                        proc.stdin.write(data[1:])
                        proc.stdin.flush()
                    elif data[:2] == b"\xff\x00" and proc.stdin:
                        proc.stdin.close()
            except (OSError, ValueError):
                pass
            if proc.stdin and not proc.stdin.closed:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        pumps = [
            threading.Thread(target=pump, args=(proc.stdout, 1)),
            threading.Thread(target=pump, args=(proc.stderr, 2)),
        ]
        for t in pumps:
            t.start()
        if stdin:
            threading.Thread(target=reader, daemon=True).start()
        rc = proc.wait()
        for t in pumps:
            t.join()
        status = (
            {"metadata": {}, "status": "Success"}
            if rc == 0
            else {
                "metadata": {},
                "status": "Failure",
                "reason": "NonZeroExitCode",
                "details": {"causes": [{"reason": "ExitCode", "message": str(rc)}]},
            }
        )
        try:
            send(b"\x03" + json.dumps(status).encode())
            send(struct.pack(">H", 1000), 8)
        except OSError:
            pass
        h.close_connection = True

    def close(self) -> None:
        self.server.shutdown()
        self.pods.clear()
        ids = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"label=swerl.fake-k8s={self.id}"], capture_output=True, text=True
        ).stdout.split()
        if ids:
            subprocess.run(["docker", "rm", "-f", *ids], capture_output=True)

    def kubeconfig(self, path) -> str:
        path.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "current-context": "fake",
                    "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                    "users": [{"name": "u", "user": {"token": "t0ken"}}],
                    "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "u"}}],
                }
            )
        )
        return str(path)
