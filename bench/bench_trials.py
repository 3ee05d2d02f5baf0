"""Trial overhead on a prebuilt image: sandbox start, exec round trip, teardown (p50/p95), and full
oracle trials per minute at 1/8/32 workers (real Harbor; DockerApiEnvironment on real Docker, or with
`--env local` the no-isolation LocalProcessEnvironment).

    .venv/bin/python bench/bench_trials.py [--reps 20] [--workers 1,8,32] [--trials 32] [--env docker|local]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from swerl.config.paths import make_trial_id
from swerl.rollout.runner import DOCKER_API, LOCAL_PROCESS, RolloutSettings, TrialJob, run_trials
from swerl.rollout.tasks import load_index


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def overhead(task: Path, reps: int, env_kind: str) -> dict[str, list[float]]:
    from harbor.models.task.task import Task
    from harbor.models.trial.paths import TrialPaths

    from swerl.rollout.envs.docker_api import DockerApiEnvironment
    from swerl.rollout.envs.local_process import LocalProcessEnvironment

    t = Task(task)
    out: dict[str, list[float]] = {"start": [], "exec": [], "teardown": []}
    with tempfile.TemporaryDirectory() as d:
        for i in range(reps):
            tp = TrialPaths(Path(d) / f"t{i}")
            tp.mkdir()
            kw = dict(
                environment_dir=t.paths.environment_dir,
                environment_name=t.name,
                session_id=f"bench-{i}__env",
                trial_paths=tp,
                task_env_config=t.config.environment,
            )
            if env_kind == "local":
                env = LocalProcessEnvironment(**kw)
            else:
                env = DockerApiEnvironment(**kw, run_label="swerl-bench")
                await env.ensure_image()
            t0 = time.perf_counter()
            await env.start(force_build=False)
            t1 = time.perf_counter()
            for _ in range(5):
                e0 = time.perf_counter()
                await env.exec("echo hi")
                out["exec"].append(time.perf_counter() - e0)
            t2 = time.perf_counter()
            await env.stop(delete=True)
            out["start"].append(t1 - t0)
            out["teardown"].append(time.perf_counter() - t2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--workers", default="1,8,32")
    ap.add_argument("--trials", type=int, default=32)
    ap.add_argument("--env", choices=["docker", "local"], default="docker")
    a = ap.parse_args()
    rows = load_index("tasks/easy")
    o = asyncio.run(overhead(rows[0].task_path, a.reps, a.env))
    env_path = LOCAL_PROCESS if a.env == "local" else DOCKER_API
    print(f"{'phase':<10} {'p50 ms':>8} {'p95 ms':>8}  (n)")
    for k, v in o.items():
        print(f"{k:<10} {statistics.median(v) * 1e3:8.0f} {pct(v, 95) * 1e3:8.0f}  ({len(v)})")
    print(f"\n{'workers':>7} {'trials':>6} {'wall s':>7} {'trials/min':>10} {'trial p50 s':>11}")
    for w in [int(x) for x in a.workers.split(",")]:
        n = max(a.trials, w)
        jobs = [
            TrialJob(
                trial_id=make_trial_id(0, rows[k % len(rows)].instance_id, k),
                task=rows[k % len(rows)],
                group="bench",
                agent_name="oracle",
            )
            for k in range(n)
        ]
        with tempfile.TemporaryDirectory() as d:
            s = RolloutSettings(
                trials_root=Path(d),
                num_workers=w,
                max_retries=0,
                run_label="swerl-bench",
                tail_kill_enabled=False,
                environment_import_path=env_path,
            )
            t0 = time.time()
            outs = asyncio.run(run_trials(jobs, s))
            wall = time.time() - t0
        ok = sum(1 for x in outs if x.reward == 1.0)
        durs = [x.duration_s for x in outs]
        print(
            f"{w:>7} {n:>6} {wall:7.1f} {n / wall * 60:10.1f} {statistics.median(durs):11.2f}   ({ok}/{n} reward 1.0)"
        )


if __name__ == "__main__":
    main()
