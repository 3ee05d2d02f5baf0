"""Entry point for the shell launchers (`python -m swerl.run.hook …`): imports only this layer, so it starts
fast and works while other layers are half-built.

  start  --config C --pid P [--new]  → close the dead previous run, preflight gate, resume-or-new, then shell
                                       `export` lines (run id, exp, output root, launch log); exit 1 = refused
  child  --config C --pid P --child Q → record the trainer child (its pid, start time, process group)
  finish --config C --run-id R --rc N [--signal INT] → archive + close the row, print the row
"""

from __future__ import annotations

import argparse
import shlex
import sys

import yaml

from swerl.config.load import ConfigError
from swerl.run import archive
from swerl.run.index import IndexError_


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
            say = lambda m: print(f"[start] {m}", file=sys.stderr, flush=True)  # noqa: E731
            for k, v in archive.start(a.config, a.pid, new=a.new, log=say).items():
                print(f"export {k}={shlex.quote(v)}")
        elif a.action == "child":
            archive.record_child(a.config, a.pid, a.child)
        else:
            row = archive.finish(a.config, a.run_id, a.rc, a.signal)
            sys.stdout.write(yaml.safe_dump([row.model_dump()], sort_keys=False, width=1000, allow_unicode=True))
    except archive.LaunchRefused as exc:
        print(f"[start] refused: {exc}", file=sys.stderr)
        return 1
    except (ConfigError, IndexError_) as exc:
        print(f"[archive] ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
