"""Trial host processes of a node: where the node's Harbor trials run when one interpreter cannot run them all.

Every trial spends host CPU on its own event loop — Harbor's trial bookkeeping, sandbox commands (each a
child process), log and artifact copies, the verifier. On the H200 with 256 trials in flight in the NodeStack's
one process, that loop lagged 8.4 s and a whole step's 64 verifiers hit their 30 s deadline on the lag
(bench/results/gpu_summary.md, Run 13). `TrialHostPool` spreads trials over `harbor_runtime.trial_processes`
Ray actors pinned to the node (each its own interpreter and event loop); the node's `TrialScheduler` keeps the
cap, the pace and the tail-killer, and only hands each admitted trial to the least-busy host:

- a trial cancelled by the scheduler (tail-killer, caller gone) is cancelled IN its host (`ray.cancel` raises
  `CancelledError` in the host's coroutine, so `run_one` removes the sandboxes) and waited for, up to
  `CANCEL_WAIT_S`, before the cancellation goes on: a killed trial leaves no sandbox behind;
- a host that dies fails the trials it held (masked `error:…` by the scheduler) and gets no new ones;
- each host measures its own loop's lag while a trial runs and returns it on the outcome (`loop_lag_s`), so
  the step's `rollout/loop_lag_ms_max` is the lag the trials' deadlines saw, not the scheduler's.

The hosts are owned by the NodeStack actor: they die with it (Ray fate-sharing), so no extra cleanup.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from swerl.rollout.scheduler import LAG_PERIOD_S  # the same timer the node scheduler measures its loop with

CANCEL_WAIT_S = 60.0
"""How long a cancelled trial's host may take to remove its sandboxes before the cancellation goes on."""


class TrialHost:
    """One trial host (a Ray actor on the stack's node): runs `run_one` for the trials it is handed."""

    def __init__(self, imports: tuple[str, ...] = ()) -> None:
        import importlib

        from swerl.rollout.runner import run_one

        # what a trial imports on first use (Harbor's trial, the environment's and agent's modules): at start,
        # so a host's first trials do not pay seconds of imports against their deadlines
        for mod in ("harbor.trial.trial", "harbor.models.trial.config", *(p.split(":")[0] for p in imports if p)):
            try:
                importlib.import_module(mod)
            except ImportError:
                pass  # the trial reports it, as it would in-process
        self._run_one = run_one
        self._running: dict[int, float] = {}
        """id(trial task) → the largest loop lag (s) seen while that trial ran."""
        self._watch: asyncio.Task | None = None
        self.done = 0

    def pid(self) -> int:
        return os.getpid()

    async def _watch_loop(self) -> None:
        while self._running:
            t = time.monotonic()
            await asyncio.sleep(LAG_PERIOD_S)
            lag = max(0.0, time.monotonic() - t - LAG_PERIOD_S)
            for k, v in self._running.items():
                if lag > v:
                    self._running[k] = lag

    async def run(self, job: Any, settings: Any, endpoint: Any) -> Any:
        key = id(asyncio.current_task())
        self._running[key] = 0.0
        if self._watch is None or self._watch.done():
            self._watch = asyncio.create_task(self._watch_loop())
        try:
            out = await self._run_one(job, settings, endpoint)
        finally:
            lag = self._running.pop(key, 0.0)
            self.done += 1
        return out.model_copy(update={"loop_lag_s": max(out.loop_lag_s, lag)})


class TrialHostPool:
    """`n` TrialHost actors pinned to `node_id` (`imports`: import paths the trials will load, loaded at start;
    `host_cls`: a TrialHost subclass — tests); `run` is a `TrialScheduler` runner (same signature as run_one)."""

    def __init__(self, n: int, node_id: str, imports: tuple[str, ...] = (), host_cls: type | None = None) -> None:
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        cls = ray.remote(host_cls or TrialHost).options(
            num_cpus=0,
            max_concurrency=100_000,
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=node_id, soft=False),
        )
        self.hosts = [cls.remote(imports) for _ in range(n)]
        self.load = [0] * n
        self.handed = [0] * n
        self.dead: set[int] = set()
        self.pids: list[int] = []

    def start(self) -> list[int]:
        """Wait until every host is up (its imports done) → their pids. Blocking: call it from a thread."""
        import ray

        self.pids = ray.get([h.pid.remote() for h in self.hosts], timeout=600)
        return self.pids

    def _pick(self) -> int:
        alive = [i for i in range(len(self.hosts)) if i not in self.dead]
        if not alive:
            raise RuntimeError(f"all {len(self.hosts)} trial host processes of this node died")
        return min(alive, key=lambda i: self.load[i])

    async def run(self, job: Any, settings: Any, endpoint: Any) -> Any:
        import ray

        i = self._pick()
        self.load[i] += 1
        self.handed[i] += 1
        ref = self.hosts[i].run.remote(job, settings, endpoint)
        try:
            return await ref
        except asyncio.CancelledError:
            ray.cancel(ref)  # → CancelledError inside the host's trial: it removes its sandboxes
            try:
                await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(ref.future())), CANCEL_WAIT_S)
            except BaseException:  # noqa: BLE001 — TaskCancelledError is the expected answer
                pass
            raise
        except ray.exceptions.RayActorError:
            self.dead.add(i)
            raise
        finally:
            self.load[i] -= 1

    def stop(self) -> None:
        """End every host now (they would go with the stack actor anyway; a failed boot or a shutdown is sooner)."""
        import ray

        for h in self.hosts:
            try:
                ray.kill(h)
            except Exception:  # noqa: BLE001 — already gone
                pass
        self.dead = set(range(len(self.hosts)))

    def info(self) -> dict[str, Any]:
        return {"pids": self.pids, "handed": list(self.handed), "dead": sorted(self.dead)}
