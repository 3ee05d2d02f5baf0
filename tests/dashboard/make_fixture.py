"""Write a recorded run tree in the layout of `swerl.config.paths.RunPaths` (used by the dashboard tests).

Step lines come from verl's own `concat_dict_to_str` with numpy values (as verl prints them), so the parser
is tested against the real format. Trial files follow docs/design.md: Harbor `result.json`, the proxy
callback's `litellm-trajectory.jsonl` (request with OpenAI messages + tool calls, response, usage) and the
gateway's `tokens.jsonl`.

    python tests/dashboard/make_fixture.py tests/dashboard/fixtures/run_root   # regenerate the committed tree
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import numpy as np

EXP = "harbor-cc-sync-1n-20261126-010203"
OLD_EXP = "harbor-cc-sync-1n-20261125-220000"
PROJECT = "swerl"
TASKS = ["hello-world", "fix-off-by-one"]


def verl_metrics(step: int, rng: random.Random) -> dict:
    """A realistic verl metric dict (the keys verl's PPO trainer logs, plus swerl's rollout/* counts)."""
    score = min(1.0, 0.1 + 0.05 * step + rng.uniform(-0.05, 0.05))
    return {
        "training/global_step": step,
        "training/epoch": 0,
        "actor/entropy": np.float64(0.9 - 0.01 * step + rng.uniform(0, 0.02)),
        "actor/kl_loss": np.float64(0.0005 * step + rng.uniform(0, 1e-4)),
        "actor/kl_coef": 0.001,
        "actor/pg_loss": np.float64(rng.uniform(-0.05, 0.05)),
        "actor/pg_clipfrac": np.float64(rng.uniform(0, 0.01)),
        "actor/ppo_kl": np.float64(rng.uniform(0, 1e-3)),
        "actor/grad_norm": np.float64(rng.uniform(0.1, 0.6)),
        "actor/lr": 1e-05,
        "perf/mfu/actor": np.float64(0.31 + rng.uniform(-0.02, 0.02)),
        "perf/max_memory_allocated_gb": np.float64(41.2),
        "perf/cpu_memory_used_gb": np.float64(88.5),
        "critic/score/mean": np.float64(score),
        "critic/score/max": np.float64(1.0),
        "critic/score/min": np.float64(0.0),
        "critic/rewards/mean": np.float64(score),
        "critic/advantages/mean": np.float64(0.0),
        "critic/advantages/max": np.float64(1.7),
        "critic/advantages/min": np.float64(-1.7),
        "response_length/mean": np.float64(900 + 20 * step + rng.uniform(-30, 30)),
        "response_length/max": np.float64(2048),
        "response_length/min": np.float64(112),
        "response_length/clip_ratio": np.float64(0.0625),
        "prompt_length/mean": np.float64(1530.5),
        "timing_s/gen": np.float64(95 + rng.uniform(-5, 5)),
        "timing_s/reward": np.float64(0.02),
        "timing_s/old_log_prob": np.float64(6.1),
        "timing_s/adv": np.float64(0.04),
        "timing_s/update_actor": np.float64(21.7 + rng.uniform(-1, 1)),
        "timing_s/step": np.float64(130 + rng.uniform(-5, 5)),
        "perf/throughput": np.float64(1450.2),
        "rollout/trials": 16,
        "rollout/masked": rng.randint(0, 2),
        "rollout/timeout": rng.randint(0, 1),
    }


def step_line(step: int, rng: random.Random) -> str:
    from verl.utils.logger.aggregate_logger import concat_dict_to_str

    return concat_dict_to_str(verl_metrics(step, rng), step=step)


def _tool_call(i: int, cmd: str) -> dict:
    return {
        "id": f"call_{i:04x}",
        "type": "function",
        "function": {"name": "bash", "arguments": json.dumps({"command": cmd})},
    }


def write_trial(d: Path, trial: str, task: str, reward: float, masked: str | None) -> None:
    d.mkdir(parents=True, exist_ok=True)
    system = {
        "role": "system",
        "content": "You are a coding agent. Use the bash tool to solve the task.\n" + "Rules: " + "be concise. " * 300,
    }
    user = {"role": "user", "content": f"Task {task}: create /app/hello.txt containing 'hello world'."}
    tools = [
        {
            "type": "function",
            "function": {
                "name": "bash",
                "description": "Run a shell command",
                "parameters": {"type": "object", "properties": {"command": {"type": "string"}}},
            },
        }
    ]
    a1 = {
        "role": "assistant",
        "content": "I'll list the directory first.",
        "tool_calls": [_tool_call(1, "ls -la /app")],
    }
    t1 = {"role": "tool", "tool_call_id": "call_0001", "content": "total 8\ndrwxr-xr-x 2 root root 4096 .\n"}
    a2 = {"role": "assistant", "content": None, "tool_calls": [_tool_call(2, "echo 'hello world' > /app/hello.txt")]}
    t2 = {"role": "tool", "tool_call_id": "call_0002", "content": ""}
    a3 = {"role": "assistant", "content": "Done: /app/hello.txt now contains 'hello world'."}
    calls = [
        ([system, user], a1, "tool_calls"),
        ([system, user, a1, t1], a2, "tool_calls"),
        ([system, user, a1, t1, a2, t2], a3, "stop"),
    ]
    t0 = 1764118923.0
    with (d / "litellm-trajectory.jsonl").open("w") as f, (d / "tokens.jsonl").open("w") as tf:
        prompt = 0
        for k, (msgs, reply, finish) in enumerate(calls):
            prompt = 410 + 60 * k
            completion = 24 + 7 * k
            call_id = f"chatcmpl-{trial}-{k}"
            lcid = f"6b1f0c2e-{k:04d}-4a8e-9d1b-{trial[-4:]}00000000"
            rec = {  # the shape swerl.serve.proxy.callbacks writes
                "trial_id": trial,
                "call_id": call_id,
                "litellm_call_id": lcid,
                "model": "hosted_vllm/vllm_model",
                "stream": False,
                "request": {
                    "model": "vllm_model",
                    "messages": msgs,
                    "tools": tools,
                    "max_tokens": 96,
                    "temperature": 1.0,
                },
                "response": {
                    "id": call_id,
                    "object": "chat.completion",
                    "model": "vllm_model",
                    "created": 1764118923,
                    "choices": [{"index": 0, "message": reply, "finish_reason": finish}],
                    "usage": {
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "total_tokens": prompt + completion,
                    },
                },
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
                "error": None,
                "t_start": t0 + 3 * k,
                "t_end": t0 + 3 * k + 1.25,
            }
            f.write(json.dumps(rec) + "\n")
            tok = {
                "call_id": rec["call_id"],
                "trial_id": trial,
                "segment": 0,
                "new_segment": False,
                "prompt_ids": list(range(prompt)),
                "response_ids": list(range(completion)),
                "response_logprobs": [-0.5] * completion,
                "finish_reason": finish,
                "num_tool_calls": len(reply.get("tool_calls") or []),
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "t_start": t0 + 3 * k,
                "t_end": t0 + 3 * k + 1.25,
                "reused_prefix": 0 if k == 0 else prompt - 60,
                "model": "vllm_model",
                "litellm_call_id": lcid,
            }
            tf.write(json.dumps(tok) + "\n")
    result = {
        "id": "6f1c2d4e-0000-4000-8000-000000000000",
        "task_name": task,
        "trial_name": trial,
        "trial_uri": f"file://{d}",
        "agent_info": {"name": "swerl-bash", "version": "0.1.0"},
        "verifier_result": None if masked else {"rewards": {"reward": reward}},
        "exception_info": {
            "exception_type": "AgentTimeoutError",
            "exception_message": "agent timed out after 300 s",
            "exception_traceback": "Traceback ...",
            "occurred_at": "2026-11-26T01:05:00Z",
        }
        if masked
        else None,
        "started_at": "2026-11-26T01:02:03Z",
        "finished_at": "2026-11-26T01:04:40Z",
        "agent_execution": {"started_at": "2026-11-26T01:02:05Z", "finished_at": "2026-11-26T01:04:30Z"},
    }
    (d / "result.json").write_text(json.dumps(result, indent=2))


def write_tree(root: Path, steps: int = 12, trial_steps: int = 3) -> None:
    rng = random.Random(7)
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    lines = [
        f"[sync_1node_cc] exp={EXP}",
        f"[sync_1node_cc] config={root}/config.yaml",
        "[sync_1node_cc] litellm: waiting for http://127.0.0.1:8002/health/liveliness",
        "[sync_1node_cc] litellm up",
    ]
    exp_lines = [
        "2026-11-26 01:02:10,120 INFO trainer: starting GRPO, 4 prompts x 4 responses",
        "\x00\x00 garbage \xff line step:oops - not:metrics",
    ]
    for s in range(1, steps + 1):
        line = step_line(s, rng)
        lines.append(f"(TaskRunner pid=48211) {line}")
        exp_lines += [f"2026-11-26 01:{2 + s:02d}:00,000 INFO harbor: step {s}: 16 trials finished (1 masked)", line]
    (logs / "launch_20261126-010203.log").write_text("\n".join(lines) + "\n")
    # the training log ends mid-line, as a log being written does
    (logs / f"{EXP}.log").write_text("\n".join(exp_lines) + "\nstep:13 - actor/entropy:0.7")
    (logs / f"{EXP}_vllm.log").write_text("step:1 - throughput/tokens_per_s:9999.0\n")
    old = [step_line(s, random.Random(s)) for s in range(1, 6)]
    (logs / f"{OLD_EXP}.log").write_text("\n".join(old) + "\n")
    for s in range(1, trial_steps + 1):
        for t, task in enumerate(TASKS):
            for k in range(2):
                trial = f"step{s}-{task}-{k}-{(s * 31 + t * 7 + k) % 65536:04x}"
                masked = "timeout" if (s, t, k) == (2, 1, 1) else None
                write_trial(
                    root / "trials" / PROJECT / EXP / f"step_{s}" / trial, trial, task, float((s + k) % 2), masked
                )
    art = root / "artifacts"
    art.mkdir(exist_ok=True)
    (art / "index.yaml").write_text(
        '- id: run_001\n  started_at: "2026-11-25T22:00:00Z"\n  completed_at: "2026-11-25T23:10:00Z"\n'
        '  status: completed\n  archive: artifacts/archives/run_001/\n  notes: "5 steps, score 0.1 -> 0.3"\n'
        '- id: run_002\n  started_at: "2026-11-26T01:02:03Z"\n  completed_at: ""\n'
        '  status: running\n  archive: artifacts/archives/run_002/\n  notes: "embedded CPU default"\n'
    )


def age(root: Path, seconds: float = 3600) -> None:
    """Make every log look last written `seconds` ago (a finished run)."""
    import os
    import time

    t = time.time() - seconds
    for p in (root / "logs").iterdir():
        os.utime(p, (t, t))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_big_log(path: Path, steps: int, extra_keys: int = 50) -> None:
    """A verl log of `steps` metric lines in verl's format, ~85 metrics each (the 10 000-step load test)."""
    rng = random.Random(1)
    keys = list(verl_metrics(1, rng)) + [f"timing_per_token_ms/extra_{i}" for i in range(extra_keys)]
    with path.open("w") as f:
        for s in range(1, steps + 1):
            vals = " - ".join(f"{k}:np.float64({math.sin(s + i) * 0.5 + 0.5!r})" for i, k in enumerate(keys))
            f.write(f"(TaskRunner pid=48211) step:{s} - {vals}\n")


if __name__ == "__main__":
    write_tree(Path(sys.argv[1]))
