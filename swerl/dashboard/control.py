"""Start / stop / probe the dashboard server as a background process of ours.

State lives in `<root>/.swerl/dashboard.json` ({pid, pid_start, host, port, root}) and the server's output in
`<root>/.swerl/dashboard.log`. Stop signals only the recorded pid, and only if its start time still matches.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from swerl.run import procs

DEFAULT_PORT = 8090
START_TIMEOUT_S = 15.0


class DashboardError(Exception):
    """One line: what is wrong and what to do."""


@dataclass(frozen=True)
class Files:
    root: Path

    @property
    def pid_file(self) -> Path:
        return self.root / ".swerl" / "dashboard.json"

    @property
    def log_file(self) -> Path:
        return self.root / ".swerl" / "dashboard.log"


def url(host: str, port: int) -> str:
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"


def healthy(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        r = httpx.get(url(host, port) + "/api/config", timeout=timeout)
        return r.status_code == 200 and r.json().get("ok") is True
    except (httpx.HTTPError, ValueError):
        return False


def port_owner(port: int) -> str:
    """Who listens on `port`: `pid N (cmdline)`, or a hint when the process table does not say."""
    try:
        import psutil

        for c in psutil.net_connections(kind="tcp"):
            if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN:
                if c.pid is None:
                    return "a process of another user"
                try:
                    cmd = " ".join(psutil.Process(c.pid).cmdline())[:120]
                except psutil.Error:
                    cmd = "?"
                return f"pid {c.pid} ({cmd})"
    except Exception:  # psutil missing or /proc unreadable: fall through to the hint
        pass
    return f"unknown process (see: ss -ltnp 'sport = :{port}')"


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise DashboardError(f"cannot bind {host}:{port}: {exc.strerror} — pick another --host/--port") from None
    return True


def read_record(files: Files) -> dict | None:
    try:
        rec = json.loads(files.pid_file.read_text())
        return rec if isinstance(rec, dict) and isinstance(rec.get("pid"), int) else None
    except (OSError, ValueError):
        return None


def running(files: Files) -> dict | None:
    """Our recorded server, when its process is still the one we started."""
    rec = read_record(files)
    if rec and procs.alive(rec["pid"], rec.get("pid_start")):
        return rec
    return None


def start(files: Files, host: str, port: int) -> dict:
    cur = running(files)
    if cur:
        if (cur.get("host"), cur.get("port")) == (host, port):
            return {**cur, "already": True}
        raise DashboardError(
            f"the dashboard already runs at {url(cur['host'], cur['port'])} (pid {cur['pid']}) — "
            "`swerl dashboard stop` first, or `swerl dashboard restart --port N`"
        )
    if not port_free(host, port):
        raise DashboardError(
            f"port {port} is busy: {port_owner(port)} — stop it or pick another port (--port N or PORT=N)"
        )
    files.pid_file.parent.mkdir(parents=True, exist_ok=True)
    log = files.log_file.open("ab")
    cmd = [
        sys.executable,
        "-m",
        "swerl.dashboard.server",
        "--root",
        str(files.root),
        "--host",
        host,
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    rec = {
        "pid": proc.pid,
        "pid_start": procs.start_ticks(proc.pid),
        "host": host,
        "port": port,
        "root": str(files.root),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = files.log_file.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
            raise DashboardError(
                f"the dashboard server exited with code {proc.returncode}: {tail[0]} (log: {files.log_file})"
            )
        if healthy(host, port, timeout=1.0):
            files.pid_file.write_text(json.dumps(rec, indent=2))
            return rec
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGTERM)
    raise DashboardError(
        f"the dashboard server did not answer /api/config within {START_TIMEOUT_S:.0f} s — see {files.log_file}"
    )


def stop(files: Files) -> dict | None:
    """Stop our server; returns its record, or None when none was running (a stale record is removed)."""
    rec = running(files)
    if rec is None:
        files.pid_file.unlink(missing_ok=True)
        return None
    pid = rec["pid"]
    try:
        os.killpg(pid, signal.SIGTERM) if os.getpgid(pid) == pid else os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and procs.alive(pid, rec.get("pid_start")):
        time.sleep(0.1)
    if procs.alive(pid, rec.get("pid_start")):
        os.kill(pid, signal.SIGKILL)
    files.pid_file.unlink(missing_ok=True)
    return rec
