"""How often does the default policy solve each easy task in one turn? (tune prompt / temperature for GRPO signal)

Samples N first-turn replies per task from the real model (transformers generate, batched, seeded) with the
swerl-bash system prompt, extracts the command with the agent's own parser, and grades every command in one
throwaway Docker container (`--network none`, a fresh /app per sample, the task's own check). GRPO needs a
per-task success rate strictly between 0 and 1; this prints it.

    python bench/probe_easy.py --n 8 --temperature 0.7 [--max-new 48] [--seed 0] [--show 2]
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tasks"))

import torch  # noqa: E402
from make_tasks import easy_tasks  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

from swerl.rollout.agents import swerl_bash  # noqa: E402
from swerl.serve.assets import resolve_model_path  # noqa: E402


TOP_P = [1.0]


def sample(model, tok, prompts: list[list[dict]], n: int, temperature: float, max_new: int, batch: int) -> list[str]:
    texts = [tok.apply_chat_template(m, tokenize=False, add_generation_prompt=True) for m in prompts for _ in range(n)]
    tok.padding_side = "left"
    outs: list[str] = []
    for b in range(0, len(texts), batch):
        enc = tok(texts[b : b + batch], return_tensors="pt", padding=True)
        with torch.no_grad():
            gen = model.generate(
                **enc,
                max_new_tokens=max_new,
                do_sample=temperature > 0,
                temperature=temperature or None,
                top_p=TOP_P[0],
                top_k=0,
                pad_token_id=tok.pad_token_id,
            )
        outs += tok.batch_decode(gen[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
    return outs


def grade(tasks, cmds: list[list[str | None]]) -> list[list[bool]]:
    """One container; per sample: fresh /app with the task's files, run the command (5 s), run the check."""
    with tempfile.TemporaryDirectory(prefix="swerl-probe-") as d:
        lines = ["#!/bin/bash"]
        for ti, t in enumerate(tasks):
            for si, c in enumerate(cmds[ti]):
                if c is None:
                    lines.append(f"echo R {ti} {si} 0")
                    continue
                Path(d, f"c{ti}_{si}.sh").write_text(c + "\n")
                setup = "".join(f"printf %s {shlex.quote(body)} > /app/{n}; " for n, body in t.files.items())
                lines.append(
                    f"rm -rf /app /tmp/* ; mkdir -p /app; cd /app; {setup}"
                    f"(timeout -s KILL 5 bash /p/c{ti}_{si}.sh </dev/null >/dev/null 2>&1); cd /app 2>/dev/null || mkdir -p /app && cd /app; "
                    f"if {t.check}; then echo R {ti} {si} 1; else echo R {ti} {si} 0; fi"
                )
        Path(d, "run.sh").write_text("\n".join(lines) + "\n")
        r = subprocess.run(
            [
                "docker",
                "run",
                "--rm",
                "--network",
                "none",
                "--label",
                "swerl.probe=1",
                "-v",
                f"{d}:/p:ro",
                "swerl/base:bookworm",
                "bash",
                "/p/run.sh",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    ok = [[False] * len(c) for c in cmds]
    for line in r.stdout.splitlines():
        if line.startswith("R "):
            _, ti, si, v = line.split()
            ok[int(ti)][int(si)] = v == "1"
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--max-new", type=int, default=48)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--show", type=int, default=0, help="print this many replies per task")
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--top-p", type=float, default=1.0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    TOP_P[0] = args.top_p
    torch.set_num_threads(2)
    d = resolve_model_path("smollm2")
    tok = AutoTokenizer.from_pretrained(d)
    model = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32).eval()
    tasks = [t for t in easy_tasks() if not args.only or t.name in args.only]
    prompts = [swerl_bash.initial_messages(t.instruction) for t in tasks]
    t0 = time.time()
    replies = sample(model, tok, prompts, args.n, args.temperature, args.max_new, args.batch)
    gen_s = time.time() - t0
    per = [replies[i * args.n : (i + 1) * args.n] for i in range(len(tasks))]
    cmds = [[swerl_bash.extract_command(r) for r in rs] for rs in per]
    ok = grade(tasks, cmds)
    tot = 0
    in_band = 0
    for t, rs, cs, o in zip(tasks, per, cmds, ok):
        k = sum(o)
        tot += k
        in_band += 0 < k < args.n
        print(f"{t.name:<18} {k}/{args.n}  parsed {sum(c is not None for c in cs)}/{args.n}")
        for r, _c, v in list(zip(rs, cs, o))[: args.show]:
            print(f"    {'✓' if v else '✗'} {r!r:.160}")
    print(
        f"top_p={args.top_p} T={args.temperature} max_new={args.max_new} seed={args.seed}: overall {tot}/{len(tasks) * args.n} "
        f"= {tot / (len(tasks) * args.n):.0%}; tasks with 0<k<n: {in_band}/{len(tasks)}; gen {gen_s:.0f}s"
    )


if __name__ == "__main__":
    main()
