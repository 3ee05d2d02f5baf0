"""Sync vs async training on the embedded default (local engine, real proxy + gateway + Docker trials), same
seed, same steps, one after the other in one run: step time, trainer idle time and ratio, staleness, reward.

    .venv/bin/python bench/bench_async.py [--steps 3] [--config config.yaml]
Each mode is a real `swerl train` (its own exp name, checkpoints off). On 2 cores the trainer and the trials
compete for the same cores, so the gain is bounded by how much of a step is sandbox/verifier wait rather than
CPU: compare the two rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(mode: str, steps: int, config: str, tag: str) -> list[dict]:
    from swerl.config.load import load_config
    from swerl.config.paths import RunPaths
    from swerl.models import logline

    exp = f"bench-{mode}-{tag}"
    sets = [
        f"training.mode={mode}",
        f"training.total_training_steps={steps}",
        "training.save_freq=0",
        "training.test_freq=0",
        f"experiment.exp_name={exp}",
        "training.resume_mode=disable",
    ]
    env = {**os.environ, "SWERL_SET": json.dumps(sets)}
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "swerl.cli", "train", "--config", config],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"{mode}: swerl train failed (rc {r.returncode}): {r.stdout[-1500:]}{r.stderr[-1500:]}")
    os.environ["SWERL_SET"] = json.dumps(sets)
    log = RunPaths.of(load_config(config), exp).exp_log
    del os.environ["SWERL_SET"]
    rows = [p[1] for p in (logline.parse_step_line(x) for x in log.read_text().splitlines()) if p]
    print(f"{mode}: {len(rows)} steps in {wall:.0f} s wall ({log})", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--config", default=str(ROOT / "config.yaml"))
    a = ap.parse_args()
    tag = time.strftime("%H%M%S")
    # a copy next to the config (its relative paths keep their meaning): the run writes runtime_info.output into
    # the config it was given, and a benchmark must not edit the user's config.yaml
    src = Path(a.config).resolve()
    copy = src.with_name(f".bench-async-{tag}.yaml")
    copy.write_text(src.read_text())
    try:
        res = {m: run(m, a.steps, str(copy), tag) for m in ("sync", "async")}
    finally:
        copy.unlink(missing_ok=True)

    def mean(rows: list[dict], k: str, skip_first: bool = True) -> float:
        xs = [r.get(k, 0.0) for r in (rows[1:] if skip_first and len(rows) > 1 else rows)]
        return sum(xs) / len(xs) if xs else 0.0

    print(
        "| mode | step s (mean, steps ≥ 2) | gen s | update s | trainer idle s | idle ratio | staleness max "
        "| reward per step |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for m, rows in res.items():
        idle = mean(rows, "timing_s/trainer_idle") if m == "async" else mean(rows, "timing_s/gen")
        ratio = idle / mean(rows, "timing_s/step") if mean(rows, "timing_s/step") else 0.0
        rewards = " ".join(f"{r.get('critic/score/mean', r.get('rollout/reward_mean', 0.0)):.2f}" for r in rows)
        print(
            f"| {m} | {mean(rows, 'timing_s/step'):.1f} | {mean(rows, 'timing_s/gen'):.1f} | "
            f"{mean(rows, 'timing_s/update'):.1f} | {idle:.1f} | {ratio:.2f} | "
            f"{max((r.get('async/staleness_max', 0.0) for r in rows), default=0.0):.0f} | {rewards} |"
        )
    s, x = mean(res["sync"], "timing_s/step"), mean(res["async"], "timing_s/step")
    print(
        f"async/sync step-time ratio: {x / s:.2f} (speed-up {s / x:.2f}×); sync's idle = its whole rollout "
        "(the trainer waits for every trial)"
    )


if __name__ == "__main__":
    main()
