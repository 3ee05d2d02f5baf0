"""One serving stack and one trial scheduler per node, shared by every verl agent-loop worker on it.

`NodeStack` runs as a named Ray actor pinned to its node (`node_stack()` gets or creates it): it discovers verl's
vLLM replicas once (in a thread, off the event loop; a failure is kept and re-raised to every caller in one
line), boots the gateway (its own process: its interpreter lock is not shared with the trials') and ONE LiteLLM proxy (`infrastructure.litellm_workers` workers, a
child under the parent watchdog, recorded in the run state), and runs every trial of the node through one
`TrialScheduler`: `harbor_runtime.num_workers` concurrent trials for the whole node, paced sandbox starts
(`harbor_runtime.max_sandbox_starts_per_sec`), the tail-killer per step; the admitted trials run in
`harbor_runtime.trial_processes` trial host processes (`trial_hosts.py`: one interpreter's event loop cannot run
hundreds of trials on time) or, at 1, in this actor's process. A trial's gateway session is dropped
when it ends. Per-step rollout metrics go to `.swerl/rollout/step_<N>.<partition>.<node>.json`, which
`swerl train` merges into its step lines.

The agent-loop workers (`agent_loop.SwerlHarborAgentLoop`) only call `run_trial`; before this actor, each worker
started its own gateway + proxy (128 gateways and 512 LiteLLM processes for the seed's 8-GPU config).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

ACTOR_PREFIX = "swerl-stack-"
RSS_JUMP_BYTES = 256 << 20
"""A rise of the stack's peak RSS across one trial's end that is logged with that trial's name."""


def resident_bytes(pid: int | str = "self") -> int:
    """Resident bytes of a process of this node (Linux /proc/<pid>/statm; 0 if it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def process_memory() -> tuple[int, int]:
    """(resident, peak resident) bytes of this process (Linux: /proc/self/statm, ru_maxrss in KiB)."""
    return resident_bytes(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class NodeStack:
    def __init__(self, config_path: str, exp: str, state_file: str = "", node_id: str = "local") -> None:
        self.config_path, self.exp, self.state_file, self.node_id = config_path, exp, state_file, node_id
        self._boot_lock = threading.Lock()
        self._booted: tuple | None = None
        self._error: str | None = None
        self.serving: Any = None
        self.scheduler: Any = None
        self.hosts: Any = None
        """The node's trial host processes (`trial_hosts.TrialHostPool`), or None: trials run in this process."""
        self._state_dir: Path | None = None
        self._peak_seen = 0
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="swerl-stack-stats")
        """Writes the step records in order, off the trials' event loop (each is an fsync'd atomic write: on the
        H200 under 128 sandboxes' disk traffic, the loop was seen blocked for seconds)."""
        self._written: dict[str, Future] = {}

    # ---- boot ------------------------------------------------------------------------------------
    def _boot(self) -> tuple:

        from swerl.config.load import load_config
        from swerl.config.paths import RunPaths
        from swerl.rollout.hosts import host_count
        from swerl.rollout.runner import RolloutSettings
        from swerl.rollout.samples import SampleSettings
        from swerl.rollout.scheduler import TrialScheduler
        from swerl.serve.discovery import discover_replicas, expected_replicas
        from swerl.train.serving import boot, replica_gateway, served_name
        from swerl.train.verl_engine.command import model_dir
        from swerl.train.verl_engine.trial_hosts import TrialHostPool

        cfg = load_config(self.config_path)
        i = cfg.input
        paths = RunPaths.of(cfg, self.exp)
        rs = RolloutSettings.from_config(cfg, paths.trials_dir, run_label=self.exp)
        hr = i.harbor_runtime
        if (n := host_count(hr.trial_processes, hr.num_workers)) > 1:
            import ray

            # started first: each host imports Harbor/torch for ~25 s on a GPU host, meanwhile discovery and the
            # serving stack boot
            warm = (rs.environment_import_path, rs.agent_import_path)
            self.hosts = TrialHostPool(n, ray.get_runtime_context().get_node_id(), warm)
        try:
            addrs = discover_replicas(expected_replicas(cfg), timeout=i.infrastructure.replica_wait_sec)
            mdir = model_dir(i.model.model_path)
            gw = replica_gateway(
                cfg, self.config_path, addrs, served_name(addrs[0], i.model.served_model_name), mdir, paths
            )
            state = Path(self.state_file) if self.state_file else None
            try:
                self.serving = boot(cfg, None, None, paths, proxy_port=0, state_file=state, gateway=gw)
            except BaseException:
                gw.stop()
                raise
            if self.hosts is not None:
                try:
                    self.hosts.start()
                except BaseException:
                    self.serving.stop()
                    self.serving = None
                    raise
        except BaseException:
            if self.hosts is not None:
                self.hosts.stop()
                self.hosts = None
            raise
        runner = self.hosts.run if self.hosts is not None else None
        self.scheduler = TrialScheduler(rs, self.serving.endpoint, on_done=self._trial_done, runner=runner)
        self._state_dir = paths.state_dir
        return cfg, SampleSettings.from_config(cfg), len(addrs)

    def _ensure(self) -> tuple:
        with self._boot_lock:
            if self._booted is None and self._error is None:
                try:
                    self._booted = self._boot()
                except Exception as exc:  # noqa: BLE001 — kept and reported to every trial in one line
                    self._error = (
                        f"swerl serving stack on node {self.node_id[:12]} failed to start: "
                        + (f"{type(exc).__name__}: {exc}".splitlines()[0][:400])
                    )
            if self._error:
                raise RuntimeError(self._error)
            assert self._booted is not None
            return self._booted

    async def ready(self) -> dict[str, Any]:
        """Boot once (discovery + gateway + proxy, in a thread); → what runs. Raises the boot error, cached."""
        _, _, n = await asyncio.to_thread(self._ensure)
        return self.info() | {"replicas": n}

    def info(self) -> dict[str, Any]:
        s = self.serving
        proxy = getattr(s, "proxy", None)
        return {
            "pid": os.getpid(),
            "node_id": self.node_id,
            "gateway_url": getattr(getattr(s, "gateway", None), "url", ""),
            "gateway_pid": getattr(getattr(getattr(s, "gateway", None), "proc", None), "pid", 0),
            "proxy_pid": getattr(getattr(proxy, "proc", None), "pid", 0),
            "proxy_url": getattr(proxy, "base_url", ""),
            "peak_concurrent": getattr(self.scheduler, "peak_running", 0),
            "running": getattr(self.scheduler, "running", 0),
            "trial_hosts": self.hosts.info() if self.hosts is not None else None,
        }

    # ---- trials ----------------------------------------------------------------------------------
    async def run_trial(self, job: Any, step: int, partition: str = "train") -> tuple[Any, list]:
        """One trial through the node's scheduler → (TrialOutcome, [Sample …]) ([] when masked)."""
        from swerl.rollout.samples import build_samples

        _, ss, _ = await asyncio.to_thread(self._ensure)
        out = await self.scheduler.run(job, step, partition)
        if (written := self._written.pop(out.trial_id, None)) is not None:
            await asyncio.wrap_future(written)  # the step record counts this trial before the trainer hears of it
        samples = await asyncio.to_thread(build_samples, out, ss) if not out.masked else []
        return out, samples

    def _trial_done(self, out: Any, step: int, partition: str) -> None:
        self._watch_memory(out)
        written = self._write_stats(step, partition)  # (the scheduler already ended the trial's gateway session)
        if written is not None:
            self._written[out.trial_id] = written

    def _watch_memory(self, out: Any) -> None:
        """One stderr line whenever this process's peak RSS rose by `RSS_JUMP_BYTES` across one trial's end,
        naming that trial (how it ended, how long, how much it left on disk): a jump is attributable."""
        rss, peak = process_memory()
        if peak - self._peak_seen >= RSS_JUMP_BYTES and self._peak_seen:
            on_disk = sum(f.stat().st_size for f in Path(out.trial_dir).rglob("*") if f.is_file())
            how = f"masked {out.mask_reason}" if out.masked else f"reward {out.reward}"
            print(
                f"swerl stack {self.node_id[:12]}: peak RSS {self._peak_seen / 2**30:.2f} → {peak / 2**30:.2f} GiB "
                f"(now {rss / 2**30:.2f}) by the end of trial {out.trial_id} ({how}, {out.duration_s:.0f} s, "
                f"{out.num_turns} turns, {on_disk / 2**20:.1f} MiB in {out.trial_dir})",
                file=sys.stderr,
                flush=True,
            )
        self._peak_seen = max(self._peak_seen, peak)

    def stats(self, step: int, partition: str = "train") -> dict[str, float]:
        from swerl.models import rollout_metrics as rm

        if self.scheduler is None:
            return {}
        rss, peak = process_memory()
        out = self.scheduler.stats(step, partition) | {
            rm.STACK_RSS_GB: rss / 2**30,
            rm.STACK_RSS_PEAK_GB: peak / 2**30,
        }
        if self.hosts is not None:
            out[rm.HOSTS_RSS_GB] = sum(resident_bytes(p) for p in self.hosts.pids) / 2**30
        return out

    def _write_stats(self, step: int, partition: str) -> Future | None:
        """The step's record as of now, computed here and written by the writer thread (→ its future)."""
        if self._state_dir is None:
            return None
        st = self.scheduler.steps.get((step, partition))
        first = st.first_infra.model_dump(mode="json") if st is not None and st.first_infra is not None else None
        body = {
            "step": step,
            "partition": partition,
            "node": self.node_id,
            "t": time.time(),
            "metrics": self.stats(step, partition),
            "first_infra": first,
            "stalls": dict(sorted(st.stalls.items(), key=lambda kv: -kv[1])[:10]) if st is not None else {},
        }
        return self._writer.submit(_write_record, stats_file(self._state_dir, step, partition, self.node_id), body)

    def shutdown(self) -> None:
        if self.hosts is not None:
            self.hosts.stop()
            self.hosts = None
        if self.serving is not None:
            self.serving.stop()
            self.serving = None


def _write_record(path: Path, body: dict) -> None:
    from swerl.run.fsio import atomic_write

    try:
        atomic_write(path, json.dumps(body))
    except OSError:
        pass  # a full disk must not fail the trial; the step line then lacks this node's rollout/*


def stats_file(state_dir: Path, step: int, partition: str, node: str) -> Path:
    """`.swerl/rollout/step_<N>.<partition>.<node>.json`: one node's rollout record of one step."""
    return Path(state_dir) / "rollout" / f"step_{step}.{partition}.{node[:12]}.json"


def step_records(state_dir: Path, partition: str = "train", step: int | str = "*") -> dict[int, list[dict]]:
    """Every node's record per step (the one reader of the files `stats_file` names; unreadable ones skipped)."""
    out: dict[int, list[dict]] = {}
    for f in sorted((Path(state_dir) / "rollout").glob(f"step_{step}.{partition}.*.json")):
        try:
            body = json.loads(f.read_text())
            out.setdefault(int(body["step"]), []).append(body)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def read_step_stats(state_dir: Path, step: int, partition: str = "train") -> dict[str, float]:
    """The `rollout/*` metrics of one step over every node (`swerl.models.rollout_metrics.merge_nodes`)."""
    from swerl.models.rollout_metrics import merge_nodes

    bodies = step_records(state_dir, partition, step).get(step, [])
    return merge_nodes([body.get("metrics") or {} for body in bodies]) if bodies else {}


def node_stack(config_path: str, exp: str, state_file: str = ""):
    """This node's NodeStack actor: created by the first agent-loop worker that asks, found by the others."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    node = ray.get_runtime_context().get_node_id()
    actor = ray.remote(NodeStack).options(
        name=f"{ACTOR_PREFIX}{exp}-{node[:16]}",
        get_if_exists=True,
        num_cpus=0,
        max_concurrency=100_000,
        scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=node, soft=False),
    )
    return actor.remote(config_path, exp, state_file, node)
