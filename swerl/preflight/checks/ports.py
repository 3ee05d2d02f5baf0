"""Ports a run binds on this host are free; a busy one names its owner.

Busy by a process of our own live run (`.swerl/run.json`) → WARN (`swerl check` calls it port:mine);
busy by anything else → FAIL (a leftover LiteLLM on :8002 makes every trial time out while looking like
an agent bug). Ray's ports only WARN on profiles that do not start Ray.
"""

from __future__ import annotations

from swerl.preflight.context import Context
from swerl.preflight.report import Report
from swerl.preflight.runstate import live_run_pids
from swerl.run import procs
from swerl.run.ports import port_owner


def run(ctx: Context, r: Report) -> None:
    ours = live_run_pids(ctx)
    seen: dict[int, str] = {}
    for key, port in ctx.ports.items():
        label = f"port {port}"
        if port in seen:
            r.fail(
                label, f"infrastructure.{key} and infrastructure.{seen[port]} are both {port} — give each its own port"
            )
            continue
        seen[port] = key
        owner = port_owner(port)
        if owner is None:
            r.ok(label, f"infrastructure.{key} free")
            continue
        who = owner.describe()
        facts = {"port": port, "key": key, "pid": owner.pid, "comm": owner.comm}
        if owner.pid is not None and ({owner.pid, *procs.ancestors(owner.pid)} & ours):
            r.warn(
                label,
                f"infrastructure.{key} in use by {who} of the live swerl run — swerl check classifies it",
                mine=True,
                **facts,
            )
        elif key.startswith("ray") and not ctx.uses_ray:
            r.warn(label, f"infrastructure.{key} in use by {who} (not used by the local engine)", mine=False, **facts)
        elif key.startswith("ray") and ctx.i.infrastructure.nnodes > 1:  # `swerl node head`: the cluster we join
            r.warn(
                label,
                f"infrastructure.{key} in use by {who}: the head's Ray, joined by this multi-node run",
                mine=False,
                **facts,
            )
        else:
            fix = f"stop it (kill {owner.pid}) or bash scripts/clean.sh" if owner.pid else "free it"
            r.fail(
                label,
                f"infrastructure.{key} in use by {who} — {fix}, or set infrastructure.{key} to a free port",
                mine=False,
                **facts,
            )
