"""`swerl check`: live layer over real processes and sockets (no GPU here: the gpu row must say skipped)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from swerl.preflight import check


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ports_cfg(make_config):
    """A config whose four ports are free random ports (never the fixed 8002/8003/…)."""

    def make(**extra):
        ports = {
            f"infrastructure.{k}": _free_port()
            for k in ("litellm_port", "gateway_port", "ray_port", "ray_dashboard_port")
        }
        return make_config({**ports, **extra}), ports

    return make


def _run(cfg, capsys) -> tuple[int, str]:
    code = check.run(cfg, quiet=True)
    return code, capsys.readouterr().out


def test_safe_to_run_on_a_clean_machine(ports_cfg, capsys):
    from swerl.preflight.runstate import find_processes

    if find_processes():  # the premise, not the behaviour: someone trains on this box right now
        pytest.skip(f"a training process runs on this machine: {find_processes()[0][1][:80]}")
    cfg, _ = ports_cfg()
    code, out = _run(cfg, capsys)
    assert code == 0, out
    assert "**SAFE TO RUN: ✅ YES** — 0 required" in out
    assert "| live | job | ✓ | job:none |" in out
    assert "| live | gpu | · | skip:no-nvidia-smi |" in out
    assert "| live | litellm | · | skip:no-live-run |" in out
    assert "  Run Configuration Summary" in out


def test_foreign_port_owner_is_a_conflict(ports_cfg, capsys):
    cfg, ports = ports_cfg()
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports["infrastructure.gateway_port"]))
        s.listen()
        code, out = _run(cfg, capsys)
    assert code == 1
    assert "**SAFE TO RUN: ❌ NO**" in out
    row = next(ln for ln in out.splitlines() if ln.startswith("| live | ports"))
    assert "✗" in row and f"port:conflict:{ports['infrastructure.gateway_port']}" in row
    assert "**Next steps**" in out and "infrastructure.gateway_port in use by" in out


def test_live_run_blocks_and_its_port_is_mine(ports_cfg, capsys, tmp_path):
    """A real child process plays the live run: it is in .swerl/run.json and owns the gateway port."""
    cfg, ports = ports_cfg()
    port = ports["infrastructure.gateway_port"]
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import socket,time; s=socket.socket(); s.bind(('127.0.0.1',{port})); s.listen(); print('up',flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "up"
        state = tmp_path / "out" / ".swerl"
        state.mkdir(parents=True)
        (state / "run.json").write_text(json.dumps({"pid": child.pid, "pgid": child.pid}))
        code, out = _run(cfg, capsys)
    finally:
        child.kill()
        child.wait()
    assert code == 1
    assert f"| live | job | ✗ | job:running pid={child.pid}" in out
    assert f"| live | ports | ⚠ | port:mine {port}" in out
    assert "| live | litellm | ⚠ | litellm:warming |" in out  # nothing on litellm_port, run younger than 30 min
    assert f"kill -INT {child.pid}" in out


def test_invalid_config_still_prints_report(make_config, capsys):
    cfg = make_config({"vllm.gen_tp": 0})
    code, out = _run(cfg, capsys)
    assert code == 1
    assert "**SAFE TO RUN: ❌ NO** — 1 required" in out and "skip:config-invalid" in out
    assert "vllm.gen_tp" in out
