"""Does the embedded default learn? `swerl train` on tasks/easy for N steps × several seeds.

Prints, per seed: mean reward (critic/score/mean) over the first k vs the last k steps (k = 5, at most half the
steps), mean step time, and the fraction of the step spent in rollout (timing_s/gen) vs update
(timing_s/update); then the mean reward per step across seeds. Long: ~1.5 min per step on 2 cores.

    python bench/bench_learning.py --steps 30 --seeds 0 1 2 [--batch 4 --n 4] [--save bench/results/learning_cpu.txt]
    python bench/bench_learning.py --filter-groups [--max-gen-rounds 4]   # dynamic sampling (algorithm.filter_groups)
    python bench/bench_learning.py --eval [--eval-tasks tasks/easy:heldout -k 1]   # + held-out pass@1 before/after
    python bench/bench_learning.py --out DIR --resume …   # continue an interrupted bench (spans sessions)
    python bench/bench_learning.py --ledger bench/results/X.json …   # finished seeds/evals kept in a small file

--ledger keeps each finished seed's step rows and eval, and the base eval, in a JSON file you can commit: a bench
longer than a session (whose --out dir may not survive it) is finished seed by seed; a seed or eval already in the
ledger for the same settings is read back, not rerun.

With --eval: `swerl eval` on the held-out split for the base model (once: the seeds share it) and for each seed's
final checkpoint (saved at the last step), same sampling (greedy for k = 1); the table adds base and final pass@1
per seed and the mean ± spread (max − min) over seeds.

With --filter-groups each seed's line adds the mean zero-variance fraction of the groups generated
(rollout/zero_std_fraction), the mean generation rounds per step (rollout/gen_rounds) and how many steps the
round cap cut short (rollout/filter_short).
"""

from __future__ import annotations

import argparse
import json
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
    """The step lines of a launch log, one row per step in step order (a step re-run after a resume: its last
    line counts)."""
    rows: dict[int, dict[str, float]] = {}
    for line in log.read_text().splitlines() if log.is_file() else []:
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
        rows[int(m.group(1))] = d
    return [rows[k] for k in sorted(rows)]


def ledger_settings(args) -> dict:
    """What makes two benches' seeds comparable: a ledger written under other settings is not read back."""
    keys = ("steps", "batch", "n", "tasks", "filter_groups", "max_gen_rounds", "eval", "eval_tasks", "k")
    return {k: getattr(args, k) for k in keys}


def load_ledger(args) -> dict:
    if not args.ledger or not Path(args.ledger).is_file():
        return {"settings": ledger_settings(args), "seeds": {}}
    led = json.loads(Path(args.ledger).read_text())
    if led.get("settings") != ledger_settings(args):
        sys.exit(f"ledger {args.ledger} was written with other settings {led.get('settings')} — pass another --ledger")
    return led


def save_ledger(args, led: dict) -> None:
    if args.ledger:
        Path(args.ledger).parent.mkdir(parents=True, exist_ok=True)
        Path(args.ledger).write_text(json.dumps(led, indent=1, sort_keys=True) + "\n")


def run_seed_config(seed: int, args, out: Path) -> Path:
    """The seed's config file in `out` (the embedded default with the bench's settings)."""
    d = yaml.safe_load((ROOT / "config.yaml").read_text())
    i = d["runtime_info"]["input"]
    i["data"]["train_index"] = str(ROOT / args.tasks)
    i["infrastructure"].update(litellm_port=free_port(), gateway_port=free_port())
    i["experiment"].update(output_root=str(out), exp_name=f"bench-seed{seed}", seed=seed)
    i["training"].update(
        total_training_steps=args.steps,
        train_batch_size=args.batch,
        n_resp_per_prompt=args.n,
        save_freq=1 if args.resume else (args.steps if args.eval else -1),
        resume_mode="auto" if args.resume else "disable",
        total_epochs=1000,
    )
    if args.resume:
        i["training"]["keep_last_n_checkpoints"] = 2
    i["credentials"]["wandb_mode"] = "disabled"
    i["algorithm"].update(filter_groups=args.filter_groups, max_num_gen_batches=args.max_gen_rounds)
    cfg = out / f"config-seed{seed}.yaml"
    cfg.write_text(yaml.safe_dump(d, sort_keys=False))
    return cfg


def run_seed(seed: int, args, out: Path) -> list[dict[str, float]]:
    cfg = run_seed_config(seed, args, out)
    log = out / f"seed{seed}.launch.log"
    if args.resume and len(parse_steps(log)) >= args.steps:
        print(f"seed {seed}: {args.steps} steps already in {log}", file=sys.stderr)
        rc = 0
    else:
        with open(log, "a" if args.resume else "w") as f:
            rc = subprocess.call(
                [sys.executable, "-m", "swerl.cli", "train", "--config", str(cfg)],
                stdout=f,
                stderr=subprocess.STDOUT,
                cwd=out,
            )
    if rc != 0:
        print(f"seed {seed}: swerl train exited {rc} — see {log}", file=sys.stderr)
    if args.eval:
        ck = str(out / "checkpoints" / "swerl" / f"bench-seed{seed}")
        args.final[seed] = run_eval(cfg, out, f"seed{seed}-final", args, ck) if rc == 0 else float("nan")
    return parse_steps(log)


def run_eval(cfg: Path, out: Path, name: str, args, checkpoint: str = "") -> float:
    """pass@1 of `swerl eval` on args.eval_tasks (its report.json), nan if it failed."""
    cmd = [sys.executable, "-m", "swerl.cli", "eval", "--config", str(cfg), "--tasks", str(ROOT / args.eval_tasks)]
    cmd += ["-k", str(args.k), "--name", name] + (["--checkpoint", checkpoint] if checkpoint else [])
    log = out / f"eval-{name}.log"
    from swerl.models.eval import EVALS_DIR, REPORT_JSON, EvalReport

    def reports() -> list[Path]:  # the config's output_root is `out`: `artifacts/evals/<utc>_<name>/`, newest last
        return sorted((out / EVALS_DIR).glob(f"*_{name}/{REPORT_JSON}"))

    found = reports()
    if not (args.resume and found):  # with --resume, an eval of an earlier invocation is read back
        with open(log, "w") as f:
            rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=out)
        found = reports()
        if rc != 0 or not found:
            print(f"eval {name}: exited {rc} — see {log}", file=sys.stderr)
            return float("nan")
    return EvalReport.model_validate_json(found[-1].read_text()).pass_at["1"]


def mean(xs) -> float:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else float("nan")


def score(r: dict[str, float]) -> float:
    return r.get("critic/score/mean", r.get("rollout/reward_mean", 0.0))


def summarize(seed: int, rows: list[dict[str, float]], k: int) -> str:
    s = [score(r) for r in rows]
    step_t = mean(r.get("timing_s/step", 0.0) for r in rows)
    gen = mean(r.get("timing_s/gen", 0.0) for r in rows)
    upd = mean(r.get("timing_s/update", 0.0) for r in rows)
    line = (
        f"{seed:>4} {len(rows):>5} {mean(s[:k]):>10.3f} {mean(s[-k:]):>10.3f} {step_t:>8.1f} "
        f"{gen / max(step_t, 1e-9):>8.0%} {upd / max(step_t, 1e-9):>8.0%}"
    )
    if any("rollout/gen_rounds" in r for r in rows):
        zs = mean(r.get("rollout/zero_std_fraction", 0.0) for r in rows)
        rounds = mean(r.get("rollout/gen_rounds", 1.0) for r in rows)
        short = sum(r.get("rollout/filter_short", 0.0) for r in rows)
        line += f" {zs:>8.0%} {rounds:>7.2f} {short:>6.0f}"
    return line


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--tasks", default="tasks/easy")
    ap.add_argument("--out", default="", help="Output dir (default: a temp dir).")
    ap.add_argument("--save", default="", help="Also write the table to this file.")
    ap.add_argument("--filter-groups", action="store_true", help="Dynamic sampling (algorithm.filter_groups).")
    ap.add_argument("--max-gen-rounds", type=int, default=4, help="algorithm.max_num_gen_batches (0 = no cap).")
    ap.add_argument("--eval", action="store_true", help="Held-out pass@1: base model and each seed's final step.")
    ap.add_argument("--eval-tasks", default="tasks/easy:heldout")
    ap.add_argument("-k", type=int, default=1, help="Eval samples per task (1 = greedy).")
    ap.add_argument("--ledger", default="", help="JSON file of finished seeds/evals: read back, not rerun.")
    ap.add_argument(
        "--resume",
        action="store_true",
        help="Continue an interrupted bench in --out: each seed checkpoints every step and resumes from its newest "
        "checkpoint (a finished seed or eval is read, not rerun); its launch log is appended to.",
    )
    args = ap.parse_args()
    if args.resume and not args.out:
        ap.error("--resume needs --out DIR (the bench to continue)")
    args.final = {}
    out = Path(args.out or tempfile.mkdtemp(prefix="swerl-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    k = max(1, min(5, args.steps // 2))
    runs: dict[int, list[dict[str, float]]] = {}
    lines = []
    led = load_ledger(args)
    for seed in args.seeds:
        kept = led["seeds"].get(str(seed))
        if kept and len(kept["rows"]) >= args.steps:
            print(f"seed {seed}: read back from {args.ledger}", file=sys.stderr)
            runs[seed] = kept["rows"]
            if args.eval:
                args.final[seed] = kept.get("final", float("nan"))
        else:
            runs[seed] = run_seed(seed, args, out)
            if len(runs[seed]) >= args.steps:
                led["seeds"][str(seed)] = {"rows": runs[seed], "final": args.final.get(seed, float("nan"))}
                save_ledger(args, led)
        lines.append(summarize(seed, runs[seed], k))
        print(lines[-1], flush=True)
    if args.eval:  # the base model, once: the seeds share it (any seed's config names it)
        if "base" in led:
            args.base = led["base"]
        else:
            if not (out / f"config-seed{args.seeds[0]}.yaml").is_file():
                run_seed_config(args.seeds[0], args, out)
            args.base = run_eval(out / f"config-seed{args.seeds[0]}.yaml", out, "base", args)
            if args.base == args.base:
                led["base"] = args.base
                save_ledger(args, led)
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())["runtime_info"]["input"]
    report = [
        f"swerl embedded default on {args.tasks}: {args.steps} steps × {args.batch} tasks × {args.n} trials, "
        f"T={cfg['vllm']['temperature']}, {cfg['harbor_agent']['max_turns']} turns × "
        f"{cfg['training']['max_tokens_per_turn']} tokens, lr {cfg['algorithm']['learning_rate']}, "
        f"{cfg['algorithm']['adv_estimator']}"
        + (f", filter_groups (≤ {args.max_gen_rounds or '∞'} rounds)" if args.filter_groups else "")
        + f"; seeds {' '.join(map(str, args.seeds))}",
        f"\n{'seed':>4} {'steps':>5} {'first' + str(k):>10} {'last' + str(k):>10} {'step_s':>8} {'rollout':>8} "
        f"{'update':>8}" + (f" {'zero_std':>8} {'rounds':>7} {'short':>6}" if args.filter_groups else ""),
        *lines,
    ]
    if args.eval:
        finals = [v for v in args.final.values() if v == v]
        report.append(
            f"\nheld-out pass@1 ({args.eval_tasks}, k={args.k}): base {args.base:.3f}; final per seed "
            + " ".join(f"{s}:{v:.3f}" for s, v in args.final.items())
            + (f"; mean {mean(finals):.3f} ± {(max(finals) - min(finals)) / 2:.3f} (half the spread)" if finals else "")
        )
    n = max((len(r) for r in runs.values()), default=0)
    curve = [mean(score(r[i]) for r in runs.values() if len(r) > i) for i in range(n)]
    report.append("\nmean reward per step (over seeds): " + " ".join(f"{c:.2f}" for c in curve))
    text = "\n".join(report)
    print(text)
    print(f"(outputs in {out})")
    if args.save:
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)
        Path(args.save).write_text(text + "\n")


if __name__ == "__main__":
    main()
