"""Supervise one training run from launch to archive: what `bash scripts/start.sh` runs once the venv is there.

start.sh `exec`s `python -m swerl.run.supervise …`, so this process keeps start.sh's pid — the launcher pid
that .swerl/run.json records and `swerl stop` signals. In order:

  1. `--set` items join $SWERL_SET (every process of the run sees the same overrides);
  2. `archive.start`: close a dead previous run, preflight gate (skipped when SWERL_GATE_DONE=1), resume or
     new exp, ledger row `running`, run state — refused → `[start] refused: …`, exit 1, no row;
  3. the launch log: stdout + stderr are teed into $SWERL_LAUNCH_LOG unless the caller preset it (it already
     sends stdout there; SWERL_LAUNCH_TEE=1 tees anyway);
  4. `bash scripts/train_1node_cc.sh --config C` as a child in its own process group (stdin /dev/null);
     SIGINT/SIGTERM/SIGHUP are forwarded to that group; the child is recorded in run.json; wait for it;
  5. finally — on every way out — `archive.finish` (completed | interrupted | failed), the row printed, and
     `swerl dashboard summary` when the trainer exited 0; further signals are ignored from here, so a second
     Ctrl-C cannot cut the archive short.

Exit code = the trainer's (128 + N when it died of signal N).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import traceback
from pathlib import Path
from types import FrameType
from typing import NoReturn

from swerl.config.load import push_overrides
from swerl.run import archive, hook, meta

TRAINER_SCRIPT = "scripts/train_1node_cc.sh"
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
ENV_DEFAULTS = {"HARBOR_TELEMETRY": "0", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
TEE_WAIT_S = 5.0
ENV_HELP = """\
environment:
  SWERL_SKIP_SETUP=1    start.sh skips the venv check (scripts/setup_env.sh --check)
  SWERL_LAUNCH_LOG=P    stdout already goes to P (swerl run): no tee, P is the run's launch log
  SWERL_LAUNCH_TEE=1    tee into $SWERL_LAUNCH_LOG even when it is preset (swerl run --foreground)
  SWERL_GATE_DONE=1     the preflight gate just passed (swerl run): do not run it again
  SWERL_SET             JSON list of section.key=value overrides (--set adds to it)
  SWERL_TRAIN_CMD       replaces `swerl train` inside scripts/train_1node_cc.sh (a stand-in trainer for tests)
  HARBOR_TELEMETRY, LITELLM_LOCAL_MODEL_COST_MAP   default to 0 and True when unset
background: swerl run · stop: swerl stop (SIGINT here, forwarded to the trainer)"""


def info(msg: str) -> None:
    print(f"[start]   {msg}", flush=True)


def die(msg: str) -> NoReturn:
    print(f"[start] ERROR: {msg}", file=sys.stderr, flush=True)
    raise SystemExit(1)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line and exit 1, like the other launch scripts
        die(f"{message} — usage: bash scripts/start.sh [--config PATH] [--new] [--set section.key=value …]")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = _Parser(
        prog="bash scripts/start.sh",
        description=__doc__,
        epilog=ENV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    ap.add_argument("--config", default="config.yaml", metavar="PATH", help="the run's config (default: ./config.yaml)")
    ap.add_argument("--new", action="store_true", help="never resume: start a fresh exp")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override a config key for this run (repeatable)",
    )
    return ap.parse_args(argv)


def trainer_rc(returncode: int) -> int:
    """A shell's view of a child's exit: 128 + N when signal N killed it (Popen reports -N)."""
    return 128 - returncode if returncode < 0 else returncode


class Tee:
    """stdout + stderr of this process (and so of its children) → `tee -i -a LOG` → the original stdout.
    tee -i: a Ctrl-C must not kill the tee before the archive lines are written. It stays in this process
    group (the run's reaping leaves the launcher's own group alone)."""

    def __init__(self, log: Path) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        sys.stdout.flush()
        sys.stderr.flush()
        self.saved = (os.dup(1), os.dup(2))
        self.proc = subprocess.Popen(["tee", "-i", "-a", str(log)], stdin=subprocess.PIPE)
        assert self.proc.stdin is not None
        os.dup2(self.proc.stdin.fileno(), 1)
        os.dup2(self.proc.stdin.fileno(), 2)
        self.proc.stdin.close()
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    def close(self) -> None:
        """Give stdout/stderr back and let tee drain (a helper that still holds the pipe is not waited for)."""
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, saved in zip((1, 2), self.saved):
            os.dup2(saved, fd)
            os.close(saved)
        try:
            self.proc.wait(timeout=TEE_WAIT_S)
        except subprocess.TimeoutExpired:
            pass


class Supervisor:
    """The trainer child, the signals forwarded to its process group, the archive at the end."""

    def __init__(self, config: str, run_id: str) -> None:
        self.config, self.run_id = config, run_id
        self.child: subprocess.Popen[bytes] | None = None
        self.sig = ""  # the last signal this launcher got ("INT", "TERM", "HUP"), for the run's status

    def install_handlers(self) -> None:
        for s in FORWARDED:
            # A HUP ignored on entry (nohup) stays ignored. INT/TERM are swerl's stop protocol (`swerl stop` sends
            # INT, then TERM): handled even when inherited as ignored — a background job of a non-interactive
            # shell (`bash start.sh &` in a script, CI) starts with SIGINT ignored, and `stop` must still work.
            if s == signal.SIGHUP and signal.getsignal(s) is signal.SIG_IGN:
                continue
            signal.signal(s, self._forward)

    def _forward(self, signum: int, _frame: FrameType | None) -> None:
        self.sig = signal.Signals(signum).name.removeprefix("SIG")
        self._signal_child(signum)

    def _signal_child(self, signum: int) -> None:
        if self.child is not None and self.child.returncode is None:
            try:
                os.killpg(self.child.pid, signum)
            except (ProcessLookupError, PermissionError):
                pass

    def run_trainer(self) -> int:
        """Start train_1node_cc.sh in its own process group, record it, wait for it; → its exit code."""
        self.child = subprocess.Popen(
            ["bash", TRAINER_SCRIPT, "--config", self.config],
            cwd=meta.repo_root(),
            stdin=subprocess.DEVNULL,
            process_group=0,  # a signal to this launcher is forwarded, not delivered twice
        )
        if self.sig:  # a signal that came before the child was known
            self._signal_child(signal.Signals[f"SIG{self.sig}"])
        try:
            archive.record_child(self.config, os.getpid(), self.child.pid)
        except Exception as exc:  # noqa: BLE001 — the run goes on; only stop/status lose the trainer's pid
            info(f"could not record the trainer pid: {exc}")
        return trainer_rc(self.child.wait())  # a forwarded signal interrupts nothing: wait() resumes (PEP 475)

    def finish(self, rc: int) -> None:
        """Archive the run (status from rc and the signal), print its row, and the summary on success."""
        for s in FORWARDED:  # a second Ctrl-C must not cut the archive short (inherited by the summary too)
            signal.signal(s, signal.SIG_IGN)
        info(f"exit code {rc}{f' (SIG{self.sig})' if self.sig else ''} — archiving {self.run_id}")
        try:
            hook.print_row(archive.finish(self.config, self.run_id, rc, self.sig))
        except Exception as exc:  # noqa: BLE001 — report it; the exit code stays the trainer's
            if isinstance(exc, hook.REPORTED):
                print(hook.one_line(exc), file=sys.stderr, flush=True)
            else:
                traceback.print_exc()
            info("archiving failed (see above); the ledger row may still say running")
            return
        if rc == 0:
            cmd = [sys.executable, "-m", "swerl.cli", "dashboard", "summary", "--config", self.config]
            subprocess.run(cmd, check=False, stdin=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    config = os.path.abspath(a.config)  # relative to the caller's cwd
    if not os.path.isfile(config):
        die(f"config {config} not found — pass --config PATH (default: ./config.yaml)")
    os.chdir(meta.repo_root())
    push_overrides(a.set)  # the trainer and every check see the same overrides
    for k, v in ENV_DEFAULTS.items():
        os.environ[k] = os.environ.get(k) or v

    preset_log = os.environ.get("SWERL_LAUNCH_LOG", "")
    try:
        run_env = archive.start(config, os.getpid(), new=a.new, log=hook.say)
    except hook.REPORTED as exc:
        print(hook.one_line(exc), file=sys.stderr, flush=True)
        die("not launched (cause above)")
    except KeyboardInterrupt:
        die("interrupted before the trainer started")
    os.environ.update(run_env)

    sup = Supervisor(config, run_env["SWERL_RUN_ID"])
    sup.install_handlers()
    tee: Tee | None = None
    rc = 1  # what an unexpected error before the trainer's exit is archived as
    try:
        if not preset_log or os.environ.get("SWERL_LAUNCH_TEE", "0") == "1":
            tee = Tee(Path(run_env["SWERL_LAUNCH_LOG"]))  # run by hand / foreground: keep a launch log too
        run_id, exp, root = (run_env[k] for k in ("SWERL_RUN_ID", "SWERL_EXP_NAME", "SWERL_OUTPUT_ROOT"))
        info(f"run {run_id}  exp={exp}  output_root={root}")
        info(f"launch log: {run_env['SWERL_LAUNCH_LOG']}")
        rc = sup.run_trainer()
    finally:
        sup.finish(rc)
        if tee:
            tee.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
