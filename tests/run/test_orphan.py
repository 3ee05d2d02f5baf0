"""Helpers die with their parent: the parent watchdog (real processes, kill -9 of the parent)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from swerl.run import procs

PARENT = """
import subprocess, sys, time
from swerl.run.orphan import child_env
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], env=child_env(), start_new_session=True)
print(child.pid, flush=True)
time.sleep(300)
"""
CHILD = """
import subprocess, sys, time
from swerl.run.orphan import watch_parent
watch_parent(interval=0.1, grace=2)
# a worker in the helper's own group (like uvicorn's workers or Ray's raylet) must go too
w = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
print(w.pid, flush=True)
time.sleep(300)
"""


def wait_gone(pid: int, start: int | None, ceiling: float = 60.0) -> bool:
    """Waits on the event (the process is gone); the ceiling only guards against a hang."""
    end = time.monotonic() + ceiling
    while time.monotonic() < end:
        if not procs.alive(pid, start):
            return True
        time.sleep(0.1)
    return False


def test_helper_and_its_group_die_when_the_parent_is_killed_9(tmp_path):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, CHILD],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    try:
        child = int(parent.stdout.readline())
        child_start = procs.start_ticks(child)
        # the worker pid is printed by the child to the same pipe (inherited stdout)
        worker = int(parent.stdout.readline())
        worker_start = procs.start_ticks(worker)
        assert procs.alive(child, child_start) and procs.alive(worker, worker_start)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        assert wait_gone(child, child_start), "helper outlived its kill -9'd parent"
        assert wait_gone(worker, worker_start), "the helper's worker outlived it"
    finally:
        if parent.poll() is None:
            parent.kill()


def test_no_parent_in_env_means_no_watchdog(monkeypatch):
    from swerl.run.orphan import PID_ENV, watch_parent

    monkeypatch.delenv(PID_ENV, raising=False)
    assert watch_parent() is None
