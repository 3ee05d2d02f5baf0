"""`swerl dashboard start|status|stop|restart` as a real background server on a free port (never 8090)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import httpx
from tests.dashboard.make_fixture import free_port
from typer.testing import CliRunner

from swerl.cli import app


def cli(*args: str, env: dict | None = None):
    """The real CLI in-process (the server it starts is still a separate background process)."""
    r = CliRunner().invoke(app, ["dashboard", *args], env=env)
    r.returncode = r.exit_code
    return r


def test_start_status_restart_stop(run_root: Path):
    port = free_port()
    r = cli("start", "--root", str(run_root), env={"PORT": str(port)})
    try:
        assert r.returncode == 0, r.stderr
        assert f"started at http://127.0.0.1:{port}" in r.stdout
        rec = (run_root / ".swerl" / "dashboard.json").read_text()
        assert f'"port": {port}' in rec
        assert httpx.get(f"http://127.0.0.1:{port}/api/config").json()["ok"] is True
        s = cli("status", "--root", str(run_root))
        assert s.returncode == 0 and f":{port}" in s.stdout
        again = cli("start", "--root", str(run_root), "--port", str(port))
        assert again.returncode == 0 and "already running" in again.stdout
        port2 = free_port()
        rr = cli("restart", "--root", str(run_root), "--port", str(port2))
        assert rr.returncode == 0 and f":{port2}" in rr.stdout, rr.stdout + rr.stderr
        assert httpx.get(f"http://127.0.0.1:{port2}/api/runs").json()["runs"]
    finally:
        st = cli("stop", "--root", str(run_root))
    assert st.returncode == 0 and "stopped" in st.stdout
    assert not (run_root / ".swerl" / "dashboard.json").exists()
    gone = cli("status", "--root", str(run_root))
    assert gone.returncode == 3 and "not running" in gone.stdout
    assert "was not running" in cli("stop", "--root", str(run_root)).stdout


def test_busy_port_is_refused_and_its_owner_named(run_root: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = cli("start", "--root", str(run_root), "--port", str(port))
    assert r.returncode == 1
    assert f"port {port} is busy: pid {os.getpid()}" in r.stderr and "--port N" in r.stderr
    assert not (run_root / ".swerl" / "dashboard.json").exists()


def test_bad_port_and_root_fail_in_one_line(run_root: Path, tmp_path: Path):
    r = cli("start", "--root", str(run_root), env={"PORT": "eighty"})
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0 and "PORT='eighty'" in r.stderr
    r = cli("status", "--root", str(tmp_path / "missing"))
    assert r.returncode == 1 and "is not a directory" in r.stderr


def test_serve_sh_wraps_the_cli(run_root: Path):
    repo = Path(__file__).resolve().parents[2]
    port = free_port()
    env = {**os.environ, "PORT": str(port)}
    r = subprocess.run(
        ["bash", str(repo / "dashboard" / "serve.sh"), "start", "--root", str(run_root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    try:
        assert r.returncode == 0, r.stderr
        assert httpx.get(f"http://127.0.0.1:{port}/api/config").status_code == 200
    finally:
        subprocess.run(
            ["bash", str(repo / "dashboard" / "serve.sh"), "stop", "--root", str(run_root)],
            capture_output=True,
            timeout=60,
        )
    bad = subprocess.run(["bash", str(repo / "dashboard" / "serve.sh"), "launch"], capture_output=True, text=True)
    assert bad.returncode == 2 and "usage" in bad.stderr
