"""`.swerl/run.json`: what the current/last run is made of, so stop/status/clean touch only what is ours.

Written by the launcher (`swerl run`), by `start.sh` (through `swerl.run.hook`) and by `swerl train`
(ports, helper pids, `started_ray`) — always as a locked merge, never a blind overwrite.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from swerl.run import procs
from swerl.run.fsio import atomic_write, locked


class TrackedProc(BaseModel):
    """A helper process the run started (proxy, gateway, engine): signalled only if pid + start match, and only
    from the host it runs on (a multi-node run's nodes record their stacks into the one shared run.json)."""

    name: str
    pid: int
    start: int | None = None
    host: str = ""
    """`procs.this_host()` where it was started; "" (older records) = this host."""

    @classmethod
    def of(cls, name: str, pid: int) -> TrackedProc:
        """The record of a process just started here: its start time and this host."""
        return cls(name=name, pid=pid, start=procs.start_ticks(pid), host=procs.this_host())

    @property
    def local(self) -> bool:
        return self.host in ("", procs.this_host())


class RunState(BaseModel):
    model_config = ConfigDict(extra="allow")  # other layers may add their own keys

    pid: int
    """The launcher (start.sh) pid; also the session leader / process group of a background launch."""
    pid_start: int | None = None
    pgid: int | None = None
    started_at: str = ""
    config: str = ""
    exp: str = ""
    run_id: str = ""
    launch_log: str = ""
    exp_log: str = ""
    ports: dict[str, int] = {}
    litellm_host: str = "127.0.0.1"
    sandbox_label: str = ""
    """`swerl.run=<exp>` on every container of this run."""
    pod_label: str = ""
    """`harbor-run=<pod_name_prefix>` on every K8s pod of this run."""
    train_pid: int | None = None
    train_pid_start: int | None = None
    train_pgid: int | None = None
    procs: list[TrackedProc] = []
    started_ray: bool = False
    """True only when this run started its own Ray (then /tmp/ray is ours to clean)."""
    generated: list[str] = []
    """Files this run generated (proxy configs …) — clean removes exactly these."""
    finished_at: str = ""
    status: str = ""

    def local_procs(self) -> list[TrackedProc]:
        return [p for p in self.procs if p.local]

    def remote_procs(self) -> list[TrackedProc]:
        """Recorded by another node of a multi-node run: never signalled from here (that pid is not ours)."""
        return [p for p in self.procs if not p.local]

    def remote_note(self) -> str:
        """One line for what other nodes recorded ("" if nothing), said by stop and clean, which leave it alone."""
        remote = self.remote_procs()
        if not remote:
            return ""
        hosts = ", ".join(sorted({p.host for p in remote}))
        return (
            f"{len(remote)} helper(s) recorded by other nodes ({hosts}) left to them: they end with their node's "
            "NodeStack actor when the trainer's Ray job ends; `bash scripts/clean.sh` on that host removes leftovers"
        )

    def launcher_alive(self) -> bool:
        return procs.alive(self.pid, self.pid_start)

    def trainer_alive(self) -> bool:
        return bool(self.train_pid) and procs.alive(self.train_pid, self.train_pid_start)

    def live(self) -> bool:
        if self.finished_at and not self.trainer_alive():
            return False  # archived: the launcher is only printing its closing summary, the run is over
        return self.launcher_alive() or self.trainer_alive()


def read_state(path: Path) -> RunState | None:
    try:
        return RunState.model_validate(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


def merge_state(path: Path, pid: int, **fields) -> RunState:
    """Locked read-modify-write. A record of another launcher pid is replaced (a new run), else updated."""
    with locked(path):
        cur = read_state(path)
        data = cur.model_dump() if cur and cur.pid == pid else {"pid": pid}
        if "pid_start" not in data or data.get("pid_start") is None:
            data["pid_start"] = procs.start_ticks(pid)
        for key, value in fields.items():
            if key == "procs":
                value = [*data.get("procs", []), *[p if isinstance(p, dict) else p.model_dump() for p in value]]
            elif key == "generated":
                value = sorted({*data.get("generated", []), *value})
            data[key] = value
        state = RunState.model_validate(data)
        atomic_write(path, state.model_dump_json(indent=2) + "\n")
        return state


def clear_state(path: Path) -> None:
    with locked(path):
        path.unlink(missing_ok=True)


def update_state(path: Path, **fields) -> RunState:
    """For `swerl train` and the serving layers: add what the run started (helper `procs`, `ports`,
    `started_ray`, `generated` files) to the current record, whoever launched it. Use the env var
    SWERL_RUN_STATE for `path` when set (the launcher exports it)."""
    cur = read_state(path)
    return merge_state(path, cur.pid if cur else os.getpid(), **fields)
