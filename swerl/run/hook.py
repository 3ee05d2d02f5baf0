"""Entry point for the shell launchers (`python -m swerl.run.hook …`): imports only this layer, so it starts
fast and works while other layers are half-built.

  start  --config C --pid P [--new]  → close the dead previous run, preflight gate, resume-or-new, then shell
                                       `export` lines (run id, exp, output root, launch log); exit 1 = refused
  child  --config C --pid P --child Q → record the trainer child (its pid, start time, process group)
  finish --config C --run-id R --rc N [--signal INT] → archive + close the row, print the row

`swerl.run.supervise` (what start.sh runs) calls the same archive functions in-process and reports their
errors through `one_line` and prints the row through `print_row`.
"""

from __future__ import annotations

import argparse
import shlex
import sys

import yaml

from swerl.config.load import ConfigError
from swerl.run import archive
from swerl.run.index import IndexError_, IndexRow

REPORTED = (archive.LaunchRefused, ConfigError, IndexError_)
"""Errors a launch or an archive reports as one line (exit 1) instead of a traceback."""


def say(msg: str) -> None:
    """A `[start]` progress line of a launch (stderr: the stdout of `hook start` is the export lines)."""
    print(f"[start] {msg}", file=sys.stderr, flush=True)


def one_line(exc: Exception) -> str:
    """The line printed for one of REPORTED."""
    if isinstance(exc, archive.LaunchRefused):
        return f"[start] refused: {exc}"
    return f"[archive] ERROR: {exc}"


def print_row(row: IndexRow) -> None:
    sys.stdout.write(yaml.safe_dump([row.model_dump()], sort_keys=False, width=1000, allow_unicode=True))
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m swerl.run.hook")
    ap.add_argument("action", choices=["start", "child", "finish"])
    ap.add_argument("--config", required=True)
    ap.add_argument("--pid", type=int, default=0)
    ap.add_argument("--child", type=int, default=0)
    ap.add_argument("--run-id", default="")
    ap.add_argument("--rc", type=int, default=0)
    ap.add_argument("--signal", default="")
    ap.add_argument("--new", action="store_true", help="start a fresh run instead of resuming the last one")
    a = ap.parse_args(argv)
    try:
        if a.action == "start":
            for k, v in archive.start(a.config, a.pid, new=a.new, log=say).items():
                print(f"export {k}={shlex.quote(v)}")
        elif a.action == "child":
            archive.record_child(a.config, a.pid, a.child)
        else:
            print_row(archive.finish(a.config, a.run_id, a.rc, a.signal))
    except REPORTED as exc:
        print(one_line(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
