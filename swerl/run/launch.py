"""`swerl run`: start `scripts/start.sh` in the background (nohup + new session) or the foreground."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from swerl.config.paths import RunPaths, utc_stamp
from swerl.run import logs, meta, procs
from swerl.run.state import RunState, read_state

WAIT_S = 30.0


@dataclass
class Launched:
    pid: int
    launch_log: Path
    exp: str | None
    exited: int | None
    """Exit code if start.sh already ended within the wait (then the launch failed or was very short)."""
    state: RunState | None


def start_script() -> Path:
    return meta.repo_root() / "scripts" / "start.sh"


def _env(log: Path, tee: bool) -> dict[str, str]:
    # SWERL_GATE_DONE: `swerl run` has just passed the same preflight gate start.sh would run
    env = dict(os.environ, SWERL_LAUNCH_LOG=str(log), SWERL_GATE_DONE="1")
    if tee:
        env["SWERL_LAUNCH_TEE"] = "1"
    return env


def background(config: Path, paths: RunPaths, wait_s: float = WAIT_S, new: bool = False) -> Launched:
    """`nohup setsid bash scripts/start.sh --config … > logs/launch_<ts>.log 2>&1 < /dev/null &`, then wait
    up to `wait_s` for the log to fill and the exp line to appear."""
    log = paths.launch_log(utc_stamp())
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as fh:
        p = subprocess.Popen(
            ["nohup", "bash", str(start_script()), "--config", str(config), *(["--new"] if new else [])],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # setsid: own session + process group; survives this shell and its hangup
            cwd=meta.repo_root(),
            env=_env(log, tee=False),
        )
    # no run state written here: start.sh first closes the previous run (whose record that still is)
    deadline = time.monotonic() + wait_s
    exp = None
    while time.monotonic() < deadline:
        if p.poll() is not None:
            break
        if log.exists() and log.stat().st_size and (exp := logs.exp_name(log)):
            break
        time.sleep(0.5)
    exp = exp or logs.exp_name(log)
    return Launched(p.pid, log, exp, p.poll(), read_state(paths.run_state_file))


def foreground(config: Path, paths: RunPaths, new: bool = False) -> int:
    """Run start.sh attached to this terminal; it tees into logs/launch_<ts>.log itself."""
    log = paths.launch_log(utc_stamp())
    p = subprocess.Popen(
        ["bash", str(start_script()), "--config", str(config), *(["--new"] if new else [])],
        cwd=meta.repo_root(),
        env=_env(log, tee=True),
        stdin=subprocess.DEVNULL,
    )
    while True:
        try:
            return p.wait()
        except KeyboardInterrupt:
            continue  # Ctrl-C reached start.sh too; it forwards it and archives — wait for that to finish


def trainer_pids(st: RunState | None) -> list[int]:
    if not st:
        return []
    pids = procs.group_members(st.train_pgid) if st.train_pgid else []
    return pids or ([st.train_pid] if st.train_pid and st.trainer_alive() else [])
