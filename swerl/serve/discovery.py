"""Find verl's vLLM replicas: Ray named actors `vllm_server_{i}_0`, waiting for ALL of them.

The original stopped at the first gap, so a replica that registered late never got traffic (half the GPUs
idle). Here: expect DP = ngpus·nnodes / gen_tp replicas, poll until every one answers, or fail naming the
missing ones.
"""

from __future__ import annotations

import time

from swerl.config.schema import SwerlConfig


class DiscoveryError(RuntimeError):
    """Not all replicas registered in time (names the missing ones)."""


def expected_replicas(cfg: SwerlConfig) -> int:
    return cfg.vllm_replicas  # separate pools: the rollout share only


def actor_name(i: int) -> str:
    return f"vllm_server_{i}_0"


def discover_replicas(n: int, *, timeout: float, namespace: str | None = None, poll: float = 2.0) -> list[str]:
    """Addresses of replicas 0..n-1 (in order), from each actor's `get_server_address()`."""
    import ray

    found: dict[int, str] = {}
    deadline = time.time() + timeout
    while True:
        for i in range(n):
            if i in found:
                continue
            try:
                actor = ray.get_actor(actor_name(i), namespace=namespace)
                addr = ray.get(actor.get_server_address.remote(), timeout=30)
            except ValueError:
                continue  # not registered yet
            if isinstance(addr, (tuple, list)):
                addr = f"{addr[0]}:{addr[1]}"
            found[i] = str(addr)
        if len(found) == n:
            return [found[i] for i in range(n)]
        if time.time() >= deadline:
            missing = ", ".join(actor_name(i) for i in range(n) if i not in found)
            raise DiscoveryError(
                f"only {len(found)}/{n} vLLM replicas registered after {timeout:.0f}s; missing: {missing} — check the "
                f"vLLM log for init errors, or raise infrastructure.replica_wait_sec"
            )
        time.sleep(poll)


def list_vllm_actors() -> list[dict]:
    import ray

    return [a for a in ray.util.list_named_actors(all_namespaces=True) if "vllm_server" in str(a.get("name", a))]
