"""Trials per step at scale through the real serving chain: swerl-bash agent → real LiteLLM proxy → swerl gateway
→ a scripted policy (test double: answers the task's one command, then DONE), Harbor trials in local-process
sandboxes, the task's own verifier, all through one TrialScheduler (concurrency cap, paced starts, tail-killer).

Per size: trials/s, 0 lost (outcomes == trials, each with outcome.json), masked count, agent-observed model-call
latency p50/p99 (what proxy + gateway add: the scripted policy itself takes ~0 ms), peak RSS of the gateway
process (this one) and of the proxy (its launcher + workers), gateway sessions left after the step, and
`tokens.jsonl` bytes per trial, and how late the trials' event loop ran (`rollout/loop_lag_ms_*`: the
trials share this process's loop, as they share the NodeStack's on verl at `trial_processes: 1`; with
`--trial-processes 1,N` each size also runs in N trial host processes, side by side: the loop lag is then the
hosts' own).
Before this issue the verl path had no scheduler at all (every trial of a step started at once, one gateway +
proxy per agent-loop worker); the local path is the same scheduler here, so rows compare sizes, not versions.

    .venv/bin/python bench/bench_scale.py [--sizes 64,256,512] [--workers 64] [--litellm-workers 2] [--trial-processes 1,2]
Numbers depend on the machine's cores (2 here): compare rows of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(pid: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    out = [pid]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    i = 0
    while i < len(out):
        out += kids.get(out[i], [])
        i += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="64,256,512")
    ap.add_argument("--workers", type=int, default=64, help="harbor_runtime.num_workers (concurrent trials)")
    ap.add_argument("--litellm-workers", type=int, default=2)
    ap.add_argument(
        "--trial-processes",
        default="1",
        help="comma list: run each size with the trials in this process (1) and/or in N trial host processes "
        "(Ray actors, as the verl engine's NodeStack runs them: swerl.train.verl_engine.trial_hosts)",
    )
    a = ap.parse_args()
    host_counts = [int(x) for x in a.trial_processes.split(",")]

    os.environ.setdefault("HARBOR_TELEMETRY", "0")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import yaml
    from transformers import AutoTokenizer

    from swerl.config.load import parse_config
    from swerl.config.paths import RunPaths, make_trial_id
    from swerl.rollout.runner import LOCAL_PROCESS, RolloutSettings, TrialJob
    from swerl.rollout.scheduler import TrialScheduler
    from swerl.rollout.tasks import load_index
    from swerl.serve.assets import resolve_model_path
    from swerl.serve.engines.scripted import ScriptedEngine
    from swerl.train.serving import boot

    tmp = Path(tempfile.mkdtemp(prefix="swerl-bench-scale-"))
    d = yaml.safe_load((ROOT / "config.yaml").read_text())
    i = d["runtime_info"]["input"]
    i["experiment"].update(output_root=str(tmp), exp_name="bench-scale")
    i["infrastructure"].update(litellm_workers=a.litellm_workers)
    i["harbor_agent"].update(environment_import_path=LOCAL_PROCESS, max_retries=0, agent_name="swerl-bash")
    cfg = parse_config(d)
    paths = RunPaths.of(cfg, "bench-scale")
    os.environ["SWERL_LOCAL_SANDBOX_DIR"] = str(tmp / "sandboxes")
    tok = AutoTokenizer.from_pretrained(resolve_model_path("smollm2"))

    def policy(prompt: str, n: int) -> str:
        last = prompt.rsplit("<|im_start|>user", 1)[-1]
        return "DONE" if "reply DONE" in last else "```bash\necho hello > hello.txt\n```"

    serving = boot(cfg, ScriptedEngine(tok, policy), tok, paths, proxy_port=0)
    pools: dict[int, object] = {}
    if any(h > 1 for h in host_counts):
        import ray

        from swerl.train.verl_engine.trial_hosts import TrialHostPool

        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)  # workers inherit this env
        node = ray.get_runtime_context().get_node_id()
        for h in (h for h in host_counts if h > 1):
            pools[h] = TrialHostPool(h, node, (LOCAL_PROCESS,))
            pools[h].start()
    hello = next(r for r in load_index(ROOT / "tasks" / "easy") if r.instance_id == "create-hello")
    rs = RolloutSettings.from_config(
        cfg, paths.trials_dir, run_label="bench-scale", num_workers=a.workers, environment_import_path=LOCAL_PROCESS
    )
    print(
        f"machine: {os.cpu_count()} cores · {a.workers} concurrent trials · proxy with {a.litellm_workers} "
        f"LiteLLM workers · scripted policy (test double) · local-process sandboxes"
    )
    print(
        "| trials/step | trial procs | wall s | trials/s | lost | masked | call p50 ms | call p99 ms | trial p50 s "
        "| gateway RSS MB (start→peak) | proxy RSS MB peak | tokens.jsonl B/trial | loop lag ms p50 / max |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    try:
        runs = [(n, h) for n in (int(x) for x in a.sizes.split(",")) for h in host_counts]
        for step, (n, hosts) in enumerate(runs):
            peak = {"gw": 0, "proxy": 0}
            stop = threading.Event()

            def sample(peak: dict = peak, stop: threading.Event = stop) -> None:
                while not stop.wait(0.5):
                    peak["gw"] = max(peak["gw"], rss_kb(os.getpid()))
                    peak["proxy"] = max(peak["proxy"], sum(rss_kb(p) for p in tree(serving.proxy.proc.pid)))

            gw0 = rss_kb(os.getpid())
            th = threading.Thread(target=sample, daemon=True)
            th.start()
            jobs = [
                TrialJob(trial_id=make_trial_id(step, hello.instance_id, k % 8), task=hello, group=f"g{k // 8}")
                for k in range(n)
            ]
            t0 = time.perf_counter()
            runner = pools[hosts].run if hosts > 1 else None  # type: ignore[attr-defined]
            sched = TrialScheduler(rs, serving.endpoint, runner=runner)

            async def run_step(sched: TrialScheduler = sched, jobs: list = jobs, step: int = step) -> list:
                return await asyncio.gather(*(sched.run(j, step) for j in jobs))

            outs = asyncio.run(run_step())
            wall = time.perf_counter() - t0
            st = sched.stats(step)  # reads the trials' token records: not part of the step's wall time
            stop.set()
            th.join()
            lat, size = [], []
            for o in outs:
                log = Path(o.trial_dir) / "agent" / "swerl-bash.jsonl"
                if log.is_file():
                    lat += [json.loads(x)["llm_s"] * 1000 for x in log.read_text().splitlines() if x.strip()]
                tj = Path(o.trial_dir) / "tokens.jsonl"
                size.append(tj.stat().st_size if tj.is_file() else 0)
            lost = n - sum(1 for o in outs if (Path(o.trial_dir) / "outcome.json").is_file())
            masked = sum(o.masked for o in outs)
            q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
            trial_p50 = statistics.median(o.duration_s for o in outs)
            print(
                f"| {n} | {hosts} | {wall:.0f} | {n / wall:.2f} | {lost} | {masked} | {q[49]:.0f} | {q[98]:.0f} | "
                f"{trial_p50:.1f} | "
                f"{gw0 / 1024:.0f}→{peak['gw'] / 1024:.0f} | {peak['proxy'] / 1024:.0f} | "
                f"{statistics.mean(size):.0f} | {st['rollout/loop_lag_ms_p50']:.0f} / {st['rollout/loop_lag_ms_max']:.0f} |",
                flush=True,
            )
            stalls = sorted(sched.steps[(step, "train")].stalls.items(), key=lambda kv: -kv[1])
            for sig, k in stalls[:5]:  # what held the loop ≥ 1 s (swerl.rollout.stalls), most frequent first
                print(f"  stall ×{k}: {sig}", flush=True)
    finally:
        serving.stop()


if __name__ == "__main__":
    main()
