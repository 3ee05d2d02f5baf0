"""Helpers die with the process that started them: a parent watchdog (pid + start time) in every helper.

PR_SET_PDEATHSIG fires when the creating *thread* exits (helpers are started from worker threads and Ray
actors), so instead the parent passes its identity in the environment and the helper runs `watch_parent()`:
a daemon thread that signals the helper's own process group once that parent is gone — kill -9 included.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from swerl.run import procs

PID_ENV, START_ENV = "SWERL_PARENT_PID", "SWERL_PARENT_START"


def child_env(env: dict[str, str] | None = None, pid: int | None = None) -> dict[str, str]:
    """`env` (default os.environ) plus this process's identity, for a helper started with start_new_session."""
    pid = pid or os.getpid()
    start = procs.start_ticks(pid)
    return {**(os.environ if env is None else env), PID_ENV: str(pid), START_ENV: str(start or "")}


def watch_parent(interval: float = 1.0, grace: float = 10.0) -> threading.Thread | None:
    """Start the watchdog when the env names a parent; SIGTERM our group when it dies, SIGKILL after `grace`."""
    try:
        pid = int(os.environ.get(PID_ENV, "0"))
    except ValueError:
        return None
    if pid <= 0:
        return None
    start = int(os.environ[START_ENV]) if os.environ.get(START_ENV, "").isdigit() else None

    def run() -> None:
        while procs.alive(pid, start):
            time.sleep(interval)
        # Our own group only when we lead it (start_new_session); else just this process.
        kill = (
            (lambda s: os.killpg(os.getpid(), s))
            if os.getpgrp() == os.getpid()
            else (lambda s: os.kill(os.getpid(), s))
        )
        try:
            kill(signal.SIGTERM)
            time.sleep(grace)
            kill(signal.SIGKILL)
        except ProcessLookupError:
            pass

    t = threading.Thread(target=run, name="swerl-parent-watchdog", daemon=True)
    t.start()
    return t


def main(argv: list[str]) -> None:
    """`python -m swerl.run.orphan MODULE ARGS…`: run MODULE as __main__ under the parent watchdog
    (for helpers whose code is not ours, e.g. verl's main_ppo)."""
    import runpy
    import sys

    if not argv:
        raise SystemExit("usage: python -m swerl.run.orphan MODULE [ARGS…]")
    watch_parent()
    sys.argv = [argv[0], *argv[1:]]
    runpy.run_module(argv[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
