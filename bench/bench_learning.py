"""Does the embedded default learn? `swerl train` on tasks/easy for N steps × several seeds.

Prints, per seed: mean reward (critic/score/mean) over the first 5 vs the last 5 steps, mean step time, and
the fraction of the step spent in rollout (timing_s/gen) vs update (timing_s/update). Long: minutes per step
on 2 cores.

    python bench/bench_learning.py --steps 30 --seeds 0 1 2 [--batch 4 --n 4]
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
STEP = re.compile(r"^step:(\d+) - (.*)$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_steps(log: Path) -> list[dict[str, float]]:
    rows = []
    for line in log.read_text().splitlines():
        m = STEP.match(line)
        if not m:
            continue
        d = {}
        for kv in m.group(2).split(" - "):
            k, _, v = kv.rpartition(":")
            try:
                d[k] = float(v)
            except ValueError:
                pass
        rows.append(d)
    return rows


def run_seed(seed: int, args, out: Path) -> list[dict[str, float]]:
    d = yaml.safe_load((ROOT / "config.yaml").read_text())
    i = d["runtime_info"]["input"]
    i["data"]["train_index"] = str(ROOT / args.tasks)
    i["infrastructure"].update(litellm_port=free_port(), gateway_port=free_port())
    i["experiment"].update(output_root=str(out), exp_name=f"bench-seed{seed}", seed=seed)
    i["training"].update(total_training_steps=args.steps, train_batch_size=args.batch, n_resp_per_prompt=args.n,
                         save_freq=-1, resume_mode="disable", total_epochs=1000)
    i["credentials"]["wandb_mode"] = "disabled"
    cfg = out / f"config-seed{seed}.yaml"
    cfg.write_text(yaml.safe_dump(d, sort_keys=False))
    log = out / f"seed{seed}.launch.log"
    with open(log, "w") as f:
        rc = subprocess.call([sys.executable, "-m", "swerl.cli", "train", "--config", str(cfg)], stdout=f,
                             stderr=subprocess.STDOUT, cwd=out)
    if rc != 0:
        print(f"seed {seed}: swerl train exited {rc} — see {log}", file=sys.stderr)
    return parse_steps(log)


def summarize(seed: int, rows: list[dict[str, float]]) -> str:
    def mean(xs):
        xs = list(xs)
        return sum(xs) / len(xs) if xs else float("nan")

    score = [r.get("critic/score/mean", r.get("rollout/reward_mean_all", 0.0)) for r in rows]
    step_t = mean(r.get("timing_s/step", 0.0) for r in rows)
    gen = mean(r.get("timing_s/gen", 0.0) for r in rows)
    upd = mean(r.get("timing_s/update", 0.0) for r in rows)
    return (f"{seed:>4} {len(rows):>5} {mean(score[:5]):>10.3f} {mean(score[-5:]):>10.3f} {step_t:>8.1f} "
            f"{gen / max(step_t, 1e-9):>8.0%} {upd / max(step_t, 1e-9):>8.0%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--tasks", default="tasks/easy")
    ap.add_argument("--out", default="", help="Output dir (default: a temp dir).")
    args = ap.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="swerl-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for seed in args.seeds:
        lines.append(summarize(seed, run_seed(seed, args, out)))
        print(lines[-1], flush=True)
    print(f"\n{'seed':>4} {'steps':>5} {'first5':>10} {'last5':>10} {'step_s':>8} {'rollout':>8} {'update':>8}")
    print("\n".join(lines))
    print(f"(outputs in {out})")


if __name__ == "__main__":
    main()
