"""Multi-node (`infrastructure.nnodes > 1`): the head's Ray cluster has every node with its GPUs, and the output
root (trials, checkpoints, run state) is one filesystem seen from every node.

From the head, where the run is launched. No cluster reachable → one line with the commands to start one (this
check never starts Ray). Reachable → one line per node (alive, GPUs), one line per missing or short node, then
the shared-filesystem probe: a file written here, read back by a Ray task pinned to each node (the probe file
is removed again). Single node: nothing to check.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from swerl.preflight.context import Context, nearest_existing
from swerl.preflight.report import Report, Status

PROBE_PREFIX = ".swerl-fs-probe-"


@dataclass(frozen=True)
class NodeView:
    """One Ray node as this check needs it (from `ray.nodes()`)."""

    node_id: str
    host: str
    alive: bool
    gpus: float

    @classmethod
    def from_ray(cls, raw: dict) -> NodeView:
        return cls(
            node_id=str(raw.get("NodeID", "")),
            host=str(raw.get("NodeManagerAddress", "?")),
            alive=bool(raw.get("Alive", False)),
            gpus=float((raw.get("Resources") or {}).get("GPU", 0.0)),
        )

    @property
    def name(self) -> str:
        return f"{self.host} ({self.node_id[:8]})"


def head_address(port: int) -> str:
    """`host:port` of the head's Ray GCS: `$RAY_ADDRESS` when set (not `auto`), else this host's IP + ray_port."""
    env = os.environ.get("RAY_ADDRESS", "")
    if env and env != "auto" and not env.startswith("ray://"):
        return env.removeprefix("http://")
    return f"{local_ip()}:{port}"


def local_ip() -> str:
    """The address the workers reach this host on (the outbound interface; no packet is sent)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("10.255.255.255", 1))
        return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        s.close()


def reachable(address: str, timeout: float = 1.0) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def join_hint(address: str, port: int) -> str:
    return (
        f"no Ray cluster at {address}: on the head run `swerl node head` (= `ray start --head --port={port}`), "
        f"then on each worker `swerl node join {address}`"
    )


def node_lines(nodes: Iterable[NodeView], nnodes: int, ngpus: int) -> list[tuple[Status, str, str]]:
    """(status, label, detail) per node, then one line per missing node; FAIL for a dead or short node."""
    nodes = list(nodes)
    alive = [n for n in nodes if n.alive]
    out: list[tuple[Status, str, str]] = []
    for n in nodes:
        label = f"node {n.name}"
        if not n.alive:
            out.append((Status.FAIL, label, "dead — restart it (`swerl node join <head>` on that host)"))
        elif n.gpus < ngpus:
            out.append(
                (
                    Status.FAIL,
                    label,
                    f"{n.gpus:g} GPU(s) < infrastructure.ngpus_per_node={ngpus} — short by {ngpus - n.gpus:g} "
                    "(start Ray there with all its GPUs visible, or lower ngpus_per_node)",
                )
            )
        else:
            out.append((Status.OK, label, f"alive, {n.gpus:g} GPU(s)"))
    for k in range(len(alive), nnodes):
        out.append(
            (
                Status.FAIL,
                f"node {k + 1}/{nnodes}",
                f"missing: {len(alive)} of infrastructure.nnodes={nnodes} nodes alive — run `swerl node join "
                "<head:port>` on the missing worker",
            )
        )
    return out


def probe_lines(seen: dict[str, bool | str], nodes: Iterable[NodeView], roots: list[Path]) -> list[tuple]:
    """One line per alive node: the probe file(s) under `roots` read back there (True), not seen (False), or
    the error text of its probe task."""
    where = ", ".join(str(p) for p in roots)
    out = []
    for n in nodes:
        if not n.alive:
            continue
        got = seen.get(n.node_id, "no probe result")
        if got is True:
            out.append((Status.OK, f"shared fs {n.name}", f"sees {where}"))
        else:
            why = "the probe file is not there" if got is False else str(got)
            out.append(
                (
                    Status.FAIL,
                    f"shared fs {n.name}",
                    f"{why} — mount {where} at the same path on every node (trials, checkpoints and run state "
                    "live there)",
                )
            )
    return out


def probe_roots(ctx: Context) -> list[Path]:
    root = ctx.paths.root
    return sorted({nearest_existing(root / "trials"), nearest_existing(root / "checkpoints")})


def _read_probe(files: list[str], token: str) -> bool:
    for f in files:
        try:
            if Path(f).read_text() != token:
                return False
        except OSError:
            return False
    return True


def ray_probe(files: list[str], token: str, node_ids: list[str], timeout: float = 60.0) -> dict[str, bool | str]:
    """Read `files` (each must hold `token`) from one Ray task pinned to each node (needs a connected Ray)."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    task = ray.remote(num_cpus=0)(_read_probe)
    refs = {
        nid: task.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=nid, soft=False)).remote(
            files, token
        )
        for nid in node_ids
    }
    out: dict[str, bool | str] = {}
    for nid, ref in refs.items():
        try:
            out[nid] = bool(ray.get(ref, timeout=timeout))
        except Exception as exc:  # noqa: BLE001 — reported per node in one line
            out[nid] = f"probe task failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return out


def shared_fs(
    roots: list[Path], nodes: list[NodeView], probe: Callable[[list[str], str, list[str]], dict] = ray_probe
) -> list[tuple]:
    """Write a probe file into each root, have every alive node read it (`probe`), remove it → lines."""
    token = secrets.token_hex(8)
    files = [r / f"{PROBE_PREFIX}{token}" for r in roots]
    try:
        for f in files:
            f.write_text(token)
    except OSError as exc:
        return [(Status.FAIL, "shared fs", f"cannot write a probe file in {f.parent}: {exc.strerror or exc}")]
    try:
        seen = probe([str(f) for f in files], token, [n.node_id for n in nodes if n.alive])
    finally:
        for f in files:
            f.unlink(missing_ok=True)
    return probe_lines(seen, nodes, roots)


def cluster_nodes(address: str) -> list[NodeView]:
    """The cluster's nodes: from the Ray session this process already has, else a short one to `address`."""
    import ray

    if ray.is_initialized():
        return [NodeView.from_ray(n) for n in ray.nodes()]
    ray.init(address=address, log_to_driver=False, logging_level="ERROR", include_dashboard=False)
    return [NodeView.from_ray(n) for n in ray.nodes()]


def run(ctx: Context, r: Report) -> None:
    inf = ctx.i.infrastructure
    if inf.nnodes <= 1:
        r.ok("nodes", "single node (infrastructure.nnodes=1): nothing to join")
        return
    import ray

    address = head_address(inf.ray_port)
    if not ray.is_initialized() and not reachable(address):
        r.fail("ray cluster", join_hint(address, inf.ray_port))
        r.warn("shared fs", "not checked: no Ray cluster is up (it probes every node through Ray)")
        return
    started = not ray.is_initialized()
    try:
        nodes = cluster_nodes(address)
        for status, label, detail in node_lines(nodes, inf.nnodes, inf.ngpus_per_node):
            r.add(status, label, detail)
        for status, label, detail in shared_fs(probe_roots(ctx), nodes):
            r.add(status, label, detail)
    finally:
        if started:
            ray.shutdown()
