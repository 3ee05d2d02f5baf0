"""Crash safety end to end, with real processes: `bash scripts/start.sh` → the real `swerl train` (local engine,
SmolLM2, real LiteLLM proxy, real Docker sandboxes), killed with SIGKILL mid-step, then relaunched.

Counted each time: the run's proxy, helper processes (found by SWERL_OUTPUT_ROOT in their environment) and
containers (label swerl.run=<exp>) before and after; the ledger rows; the checkpoints. Waits are on events,
with generous ceilings that only guard against hangs.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from swerl.models.checkpoint import complete_steps
from swerl.run import procs
from swerl.run.index import read_index
from swerl.run.state import read_state

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
KEY = "sk-swerl-crashtest-0123456789abcdef"
CEILING = 600.0  # whole runs (subprocess timeouts)
WAIT = 300.0  # one event inside a run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(cond, ceiling: float = WAIT, what: str = ""):
    end = time.monotonic() + ceiling
    while time.monotonic() < end:
        got = cond()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"hang guard: still waiting for {what or cond}")


@pytest.fixture
def crash_cfg(tmp_path, monkeypatch):
    """The embedded default, shrunk: 1 task × 2 trials/step, 1 turn of 8 tokens, 3 steps, a checkpoint each."""
    text = (REPO / "config.yaml").read_text()
    subs = {
        "train_index: tasks/easy": f"train_index: {REPO / 'tasks/easy'}",
        "litellm_port: 8002": f"litellm_port: {_free_port()}",
        "gateway_port: 8003": f"gateway_port: {_free_port()}",
        "train_batch_size: 4": "train_batch_size: 1",
        "n_resp_per_prompt: 4": "n_resp_per_prompt: 2",
        "total_training_steps: 4": "total_training_steps: 3",
        "save_freq: 2": "save_freq: 1",
        "max_turns: 2": "max_turns: 1",
        "max_tokens_per_turn: 40": "max_tokens_per_turn: 8",
        'trajectory_logger_src: ""': 'trajectory_logger_src: ""\n      output_root: out',
    }
    for a, b in subs.items():
        assert a in text, a
        text = text.replace(a, b, 1)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text)
    monkeypatch.setenv("SWERL_SKIP_SETUP", "1")  # the test script ran setup
    monkeypatch.setenv("SWERL_PROXY_KEY", KEY)  # known, so the leak check can grep for it
    for k in ("SWERL_EXP_NAME", "SWERL_LAUNCH_LOG", "SWERL_PREFLIGHT_CMD", "SWERL_PARENT_PID", "SWERL_RUN_STATE"):
        monkeypatch.delenv(k, raising=False)
    return cfg


def out_root(cfg: Path) -> Path:
    return cfg.parent / "out"


def containers(exp: str) -> list[str]:
    r = subprocess.run(["docker", "ps", "-aq", "--filter", f"label=swerl.run={exp}"], capture_output=True, text=True)
    return r.stdout.split()


def helpers(cfg: Path) -> list[procs.Proc]:
    return procs.find_by_env("SWERL_OUTPUT_ROOT", str(out_root(cfg)))


def launch(cfg: Path, *extra: str) -> subprocess.Popen:
    log = open(cfg.parent / f"start-{time.monotonic_ns()}.log", "w")
    return subprocess.Popen(
        ["bash", "scripts/start.sh", "--config", str(cfg), *extra],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def run_to_end(cfg: Path, *extra: str) -> tuple[int, str]:
    r = subprocess.run(
        ["bash", "scripts/start.sh", "--config", str(cfg), *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=CEILING,
    )
    return r.returncode, r.stdout + r.stderr


def mid_step_2(cfg: Path, known: tuple[str, ...] = ()) -> tuple[str, int, int]:
    """Wait until step 1 is checkpointed and step 2's sandboxes run; → (exp, trainer pid, live containers).
    `known`: exps of earlier launches (their run.json may still be there until the new launcher replaces it)."""
    state = out_root(cfg) / ".swerl" / "run.json"
    st = wait_for(
        lambda: (
            (s := read_state(state))
            and s.train_pid
            and s.exp
            and s.exp not in known
            and procs.alive(s.train_pid, s.train_pid_start)
            and s
        ),
        what="the trainer's run state",
    )
    ckpts = out_root(cfg) / "checkpoints" / "swerl" / st.exp
    wait_for(lambda: 1 in complete_steps(ckpts), what="checkpoint global_step_1")
    n = wait_for(lambda: len(containers(st.exp)), what="a step-2 sandbox")
    return st.exp, st.train_pid, n


def assert_no_leak(root: Path) -> None:
    hits = [p for p in root.rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()]
    assert hits == [], f"proxy key written to {hits[:3]}"


def test_kill9_trainer_then_group_then_relaunch_resumes(crash_cfg):
    cfg = crash_cfg
    root = out_root(cfg)
    ledger = root / "artifacts" / "index.yaml"

    # --- A: kill -9 of the trainer mid-step 2; start.sh survives and archives -----------------------------
    p = launch(cfg)
    exp_a, trainer, n_containers = mid_step_2(cfg)
    proxy = next(t for t in read_state(root / ".swerl" / "run.json").procs if t.name == "litellm")
    assert procs.alive(proxy.pid, proxy.start) and n_containers >= 1
    os.kill(trainer, signal.SIGKILL)
    done_a = max(complete_steps(root / "checkpoints" / "swerl" / exp_a))  # 1, or 2 if we looked late (busy box)
    assert p.wait(timeout=CEILING) != 0
    wait_for(lambda: not procs.alive(proxy.pid, proxy.start), what="the dead trainer's proxy to go")
    assert containers(exp_a) == [], "sandboxes of the killed step were reaped when start.sh archived the run"
    assert helpers(cfg) == []
    rows = read_index(ledger)
    assert [(r.status, r.exp) for r in rows] == [("failed", exp_a)]
    print(f"A: kill -9 trainer at step 2 — before: 1 proxy + {n_containers} containers; after: 0 / 0; row failed")

    # --- relaunch: resumes exp A from its checkpoint and finishes --------------------------------------------
    rc, out = run_to_end(cfg)
    assert rc == 0, out[-3000:]
    assert f"resuming exp {exp_a} from global_step_{done_a}" in out
    assert re.search(
        rf"resumed from .*global_step_{done_a} \(step {done_a}", (root / "logs" / f"{exp_a}.log").read_text()
    )
    rows = read_index(ledger)
    assert [(r.status, r.exp) for r in rows] == [("failed", exp_a), ("completed", exp_a)]
    assert complete_steps(root / "checkpoints" / "swerl" / exp_a) == [1, 2, 3], "no checkpoint lost"
    assert containers(exp_a) == [] and helpers(cfg) == []

    # --- B: kill -9 of the launcher's whole process group and of the trainer's (no EXIT trap, no
    # signal handler runs anywhere: what the OOM killer or a lost node does) ------------------------------
    p = launch(cfg, "--new")
    exp_b, trainer, n_containers = mid_step_2(cfg, known=(exp_a,))
    assert exp_b != exp_a
    trainer_group = os.getpgid(trainer)
    os.killpg(p.pid, signal.SIGKILL)
    os.killpg(trainer_group, signal.SIGKILL)
    done_b = max(complete_steps(root / "checkpoints" / "swerl" / exp_b))
    p.wait(timeout=60)
    wait_for(lambda: not procs.alive(trainer), what="the trainer to die")
    wait_for(lambda: helpers(cfg) == [], what="the dead run's proxy to die with its trainer (parent watchdog)")
    left = len(containers(exp_b))
    assert left >= 1, "the step-2 sandboxes are still there: nobody was left to remove them"
    assert read_index(ledger)[-1].status == "running", "nobody could close the row: the launcher died first"

    rc, out = run_to_end(cfg)
    assert rc == 0, out[-3000:]
    assert "closed the previous run" in out and f"resuming exp {exp_b} from global_step_{done_b}" in out
    rows = read_index(ledger)
    assert [r.status for r in rows] == ["failed", "completed", "failed", "completed"]
    assert rows[2].exp == exp_b == rows[3].exp and "launcher vanished" in rows[2].notes
    assert complete_steps(root / "checkpoints" / "swerl" / exp_b) == [1, 2, 3]
    assert containers(exp_b) == [] and helpers(cfg) == []
    assert (root / ".swerl" / "runs" / f"{rows[2].id}.json").is_file(), "the dead run's state was kept, not overwritten"
    print(
        f"B: kill -9 launcher + trainer groups at step 2 — before: {n_containers} containers, trainer, proxy; "
        f"after the proxy's watchdog: {left} containers + a `running` row left; the relaunch reaped them (0 left), "
        f"closed the row and resumed; rows {[r.status for r in rows]}"
    )
    assert_no_leak(root)


def test_foreign_port_refused_and_dead_proxy_fails_the_run(crash_cfg):
    cfg = crash_cfg
    root = out_root(cfg)
    port = yaml.safe_load(cfg.read_text())["runtime_info"]["input"]["infrastructure"]["litellm_port"]

    # a foreign server holds the proxy port: start.sh refuses, with the cause, and records no run
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        s.listen()
        rc, out = run_to_end(cfg)
    assert rc == 1 and "refused: preflight failed" in out and str(port) in out, out[-2000:]
    assert not (root / "artifacts" / "index.yaml").exists() or read_index(root / "artifacts" / "index.yaml") == []

    # the proxy dies right after it is ready: every trial of step 1 is masked proxy_error → the run fails at step 1
    p = launch(cfg)
    state = root / ".swerl" / "run.json"
    st = wait_for(lambda: (s := read_state(state)) and s.exp and s.procs and s, what="the proxy in the run state")
    log = root / "logs" / f"{st.exp}.log"
    wait_for(lambda: log.exists() and " ready · boot " in log.read_text(), what="the proxy to be ready")
    proxy = next(t for t in st.procs if t.name == "litellm")
    os.killpg(proxy.pid, signal.SIGKILL)
    assert p.wait(timeout=CEILING) == 1
    text = log.read_text()
    assert "RunCannotTrain" in text and "2/2 trials masked for infrastructure reasons" in text and "proxy_error" in text
    assert not list((root / "checkpoints").rglob("global_step_*")), "no update, no checkpoint"
    row = read_index(root / "artifacts" / "index.yaml")[-1]
    assert row.status == "failed" and "masked for infrastructure reasons" in row.notes
    assert containers(st.exp) == [] and helpers(cfg) == []
    assert_no_leak(root)
