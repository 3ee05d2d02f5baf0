"""`python -m swerl.run.supervise` (what start.sh execs): SIGTERM/SIGHUP forwarded to the trainer's process group,
the archive written in `finally` when the trainer fails, a second Ctrl-C ignored while archiving, one-line
argument errors. The trainer is the stand-in of tests/run/fake_train.py (conftest's run_env)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from swerl.run import supervise
from swerl.run.index import IndexRow, read_index
from swerl.run.state import read_state


def _launch(cfg: Path, log: Path) -> subprocess.Popen:
    with open(log, "w") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "swerl.run.supervise", "--config", str(cfg)],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # like `swerl run`: signals reach only what the test sends
            preexec_fn=_default_signals,  # not whatever the test runner inherited (nohup, a background job)
        )


def _default_signals() -> None:
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)


def _wait(cond, timeout: float = 30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if got := cond():
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {cond}")


@pytest.mark.integration
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_is_forwarded_to_the_trainer_group(run_env, monkeypatch, tmp_path, sig):
    monkeypatch.setenv("FAKE_STEPS", "1000")
    p = _launch(run_env, tmp_path / "supervise.out")
    state = run_env.parent / "out" / ".swerl" / "run.json"
    st = _wait(lambda: (s := read_state(state)) and s.trainer_alive() and s)
    assert st.pid == p.pid and st.train_pgid == st.train_pid != st.pid, "the trainer has its own process group"
    os.kill(p.pid, sig)  # the launcher only, as a terminal hangup or `kill -TERM <launcher>` would
    rc = p.wait(timeout=60)
    assert rc == 128 + sig, (tmp_path / "supervise.out").read_text()[-2000:]
    assert not st.trainer_alive()
    row = read_index(run_env.parent / "out" / "artifacts" / "index.yaml")[-1]
    assert (row.id, row.status) == ("run_001", "interrupted") and row.completed_at
    out = (tmp_path / "supervise.out").read_text()
    assert f"exit code {rc} (SIG{sig.name.removeprefix('SIG')}) — archiving run_001" in out and "- id: run_001" in out
    launch_log = Path(read_state(state).launch_log)
    assert "archiving run_001" in launch_log.read_text(), "no preset SWERL_LAUNCH_LOG: the output is teed into it"


@pytest.mark.integration
def test_trainer_exit_is_archived_in_finally(run_env, monkeypatch, tmp_path):
    out_root = run_env.parent / "out"
    monkeypatch.setenv("FAKE_STEPS", "1")
    monkeypatch.setenv("FAKE_RC", "3")
    p = _launch(run_env, tmp_path / "failed.out")
    assert p.wait(timeout=60) == 3
    row = read_index(out_root / "artifacts" / "index.yaml")[-1]
    assert row.status == "failed" and "rc=3" in row.notes
    assert (out_root / row.archive / "metadata.yaml").is_file()
    assert (out_root / row.archive / "scripts" / "supervise.py").is_file()
    assert "## rl dashboard" not in (tmp_path / "failed.out").read_text(), "the summary is for completed runs only"

    monkeypatch.setenv("FAKE_RC", "0")
    p = _launch(run_env, tmp_path / "completed.out")
    assert p.wait(timeout=60) == 0
    assert read_index(out_root / "artifacts" / "index.yaml")[-1].status == "completed"
    assert "## rl dashboard" in (tmp_path / "completed.out").read_text()


def test_second_ctrl_c_cannot_cut_the_archive_short(monkeypatch):
    saved = {s: signal.getsignal(s) for s in supervise.FORWARDED}
    calls: list[tuple[int, str]] = []

    def finish(config: str, run_id: str, rc: int, sig: str) -> IndexRow:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C again, mid-archive
        time.sleep(0.05)
        calls.append((rc, sig))
        return IndexRow(id=run_id, started_at="2026-01-01T00:00:00Z", status="interrupted")

    monkeypatch.setattr(supervise.archive, "finish", finish)
    monkeypatch.setattr(supervise.hook, "print_row", lambda row: None)
    sup = supervise.Supervisor("config.yaml", "run_007")
    sup.sig = "INT"
    try:
        sup.finish(130)
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    assert calls == [(130, "INT")]


def test_archive_failure_is_reported_not_raised(monkeypatch, capsys):
    def finish(*_a: object) -> IndexRow:
        raise supervise.archive.LaunchRefused("disk full")

    saved = {s: signal.getsignal(s) for s in supervise.FORWARDED}
    monkeypatch.setattr(supervise.archive, "finish", finish)
    try:
        supervise.Supervisor("config.yaml", "run_007").finish(0)
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    out = capsys.readouterr()
    assert "disk full" in out.err and "archiving failed" in out.out


def test_exit_codes_and_argument_errors(tmp_path):
    assert supervise.trainer_rc(-signal.SIGKILL) == 137 and supervise.trainer_rc(3) == 3
    r = subprocess.run(
        [sys.executable, "-m", "swerl.run.supervise", "--config", str(tmp_path / "nope.yaml")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1 and "nope.yaml not found" in r.stderr and len(r.stderr.splitlines()) == 1
    r = subprocess.run([sys.executable, "-m", "swerl.run.supervise", "--bogus"], capture_output=True, text=True)
    assert r.returncode == 1 and "unrecognized arguments: --bogus" in r.stderr and "Traceback" not in r.stderr


def test_stop_signals_are_handled_even_when_inherited_ignored():
    """A background job of a non-interactive shell starts with SIGINT ignored; `swerl stop` (INT, then TERM) must
    still reach the trainer. A HUP ignored on entry (nohup) stays ignored."""
    saved = {s: signal.getsignal(s) for s in supervise.FORWARDED}
    try:
        for s in supervise.FORWARDED:
            signal.signal(s, signal.SIG_IGN)
        sup = supervise.Supervisor("config.yaml", "run_001")
        sup.install_handlers()
        assert signal.getsignal(signal.SIGINT) == sup._forward and signal.getsignal(signal.SIGTERM) == sup._forward
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        for s, h in saved.items():
            signal.signal(s, h)
