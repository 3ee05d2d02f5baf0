"""Run one `swerl` command on every OTHER node of the live Ray cluster (a zero-CPU task pinned to each node)."""

from __future__ import annotations

import os
from dataclasses import dataclass


class FanoutError(RuntimeError):
    """No cluster to reach: one line with the fix."""


@dataclass
class NodeReply:
    node_id: str
    host: str
    rc: int
    output: str


def _run_here(argv: list[str], cwd: str) -> tuple[str, int, str]:
    """On the node: `python -m swerl.cli ARGV` with that node's interpreter (its workers' environment)."""
    import subprocess
    import sys

    from swerl.run.procs import this_host

    r = subprocess.run([sys.executable, "-m", "swerl.cli", *argv], cwd=cwd, capture_output=True, text=True, timeout=600)
    return this_host(), r.returncode, (r.stdout + r.stderr).strip()


def on_other_nodes(argv: list[str], address: str = "", cwd: str = "") -> list[NodeReply]:
    """`argv` on each alive node but this one's; the replies in node order. `address`: the cluster's
    `HOST:PORT` (default $RAY_ADDRESS, else the Ray this host runs). Paths in argv must be valid on every node
    (the output root is shared in a multi-node run)."""
    try:
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
    except ImportError as exc:
        raise FanoutError(f"Ray is not installed here ({exc}): run bash scripts/setup_env.sh") from None
    from swerl.preflight.checks.cluster import reachable

    address = address or os.environ.get("RAY_ADDRESS", "") or "auto"
    fix = "run on the head while the cluster is up (`swerl node head`), or set RAY_ADDRESS=HOST:PORT"
    started = not ray.is_initialized()
    if started and address != "auto" and not reachable(address.removeprefix("ray://"), timeout=3.0):
        raise FanoutError(f"no Ray cluster at {address!r} (nothing answers there): {fix}")  # ray.init would wait
    if started:
        try:
            ray.init(address=address, log_to_driver=False, logging_level="ERROR")
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise FanoutError(f"no Ray cluster at {address!r} ({str(exc).splitlines()[0][:160]}): {fix}") from None
    try:
        here = ray.get_runtime_context().get_node_id()
        nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"] and n["NodeID"] != here]
        task = ray.remote(num_cpus=0)(_run_here)
        refs = [
            task.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=nid, soft=False)).remote(
                argv, cwd or os.getcwd()
            )
            for nid in nodes
        ]
        return [NodeReply(nid, *ray.get(ref, timeout=660)) for nid, ref in zip(nodes, refs, strict=True)]
    finally:
        if started:
            ray.shutdown()
