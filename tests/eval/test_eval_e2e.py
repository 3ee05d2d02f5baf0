"""`swerl eval` end to end on CPU through the training stack: gateway → real LiteLLM proxy → swerl-bash in real
Docker sandboxes → each task's own verifier → report.json / report.md.

1. The scripted policy (ScriptedEngine, a TEST DOUBLE: deterministic replies in real SmolLM2 token ids) solves
   chosen (task, sample) pairs → the exact pass@k of the unbiased estimator, and the eval temperature reached the
   engine on every call (the config's training temperature is another value).
2. The CLI with the real SmolLM2 LocalEngine, k = 2 at temperature 0: both samples of the task sampled the same
   tokens (greedy really applied; the config's training temperature is 0.7) and the report says so."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from swerl.serve.engines.scripted import ScriptedEngine

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[2]
SWERL = str(ROOT / ".venv" / "bin" / "swerl")
TASKS = ("create-hello", "create-color")
COMMANDS = {"create-hello": "echo hello > hello.txt", "create-color": "echo blue > color.txt"}
SOLVED = {("create-hello", 0), ("create-hello", 1), ("create-color", 0)}
"""k = 3: create-hello c = 2, create-color c = 1."""
TRIAL = re.compile(r"^step0-eval-(.+)-(\d+)-[0-9a-f]{12}$")


class SolvesChosenSamples(ScriptedEngine):
    """TEST DOUBLE policy: on trial `step0-eval-<task>-<k>-…` runs the task's right command when (task, k) is in
    SOLVED, a wrong one otherwise; DONE once a command's output came back. Records the sampling it was asked for."""

    def __init__(self, tokenizer):
        super().__init__(tokenizer)
        self.asked: list[tuple[float, float]] = []

    async def generate(self, prompt_ids, *, max_tokens, temperature=1.0, top_p=1.0, stop_token_ids=None, session=None):
        self.asked.append((temperature, top_p))
        m = TRIAL.match(session or "")
        task, k = (m.group(1), int(m.group(2))) if m else ("", -1)
        cmd = COMMANDS.get(task, "true") if (task, k) in SOLVED else "echo nope > wrong.txt"
        self.policy = lambda prompt, n: "DONE" if "exit code" in prompt else f"I will do it.\n```bash\n{cmd}\n```"
        return await super().generate(
            prompt_ids,
            max_tokens=max_tokens,
            temperature=temperature,
            top_p=top_p,
            stop_token_ids=stop_token_ids,
            session=session,
        )


def _task_set(tmp_path: Path, names=TASKS) -> Path:
    d = tmp_path / "tasks"
    for n in names:
        shutil.copytree(ROOT / "tasks" / "easy" / n, d / n)
    return d


def _config(tmp_path: Path, **training) -> Path:
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    i = cfg["runtime_info"]["input"]
    from swerl.serve.proxy.process import free_port

    i["infrastructure"] |= {"litellm_port": free_port(), "gateway_port": free_port()}
    i["harbor_agent"] |= {"max_turns": 2, "max_retries": 0, "max_timeout_sec": 120}
    i["harbor_runtime"] |= {"num_workers": 3}
    i["vllm"]["temperature"] = 0.7  # the training temperature: eval trials must not sample with it
    i["training"] |= {"max_tokens_per_turn": 16, **training}
    i["experiment"] |= {"exp_name": "swerl-test-eval", "output_root": str(tmp_path)}
    p = tmp_path / "config.yaml"
    p.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return p


@pytest.mark.slow
def test_eval_scripted_policy_exact_pass_at_k(tmp_path, tokenizer):
    from swerl.config.load import load_config
    from swerl.eval.run import EvalOptions, evaluate
    from swerl.models.eval import EvalReport

    cfg = load_config(_config(tmp_path))
    engine = SolvesChosenSamples(tokenizer)
    opts = EvalOptions(tasks=str(_task_set(tmp_path)), samples=3, temperature=0.6, name="scripted")
    report, out = evaluate(cfg, opts, engine=engine, tokenizer=tokenizer, log=lambda m: None)

    got = {t.task: (t.n, t.correct, t.masked) for t in report.per_task}
    assert got == {"create-hello": (3, 2, 0), "create-color": (3, 1, 0)}, report.failures
    # unbiased estimator: pass@1 = mean c/n; pass@2 = mean 1 - C(n-c,2)/C(3,2) = (1 + 2/3) / 2; pass@3 = 1
    assert report.pass_at == pytest.approx({"1": 0.5, "2": 5 / 6, "3": 1.0})
    assert report.failures == {} and report.trials == 6 and report.reward_mean == pytest.approx(0.5)
    # the eval sampling reached the engine on every call (2 per trial), and the token records say so
    assert len(engine.asked) == 12 and set(engine.asked) == {(0.6, 1.0)}
    assert report.sampling_used == {"temperature": [0.6], "top_p": [1.0]} and report.model_calls == 12
    # the files: artifacts/evals/<utc>_scripted/report.{json,md}
    assert out.parent == tmp_path / "artifacts" / "evals" and re.match(r"^\d{8}-\d{6}_scripted$", out.name)
    assert EvalReport.model_validate_json((out / "report.json").read_text()) == report
    md = (out / "report.md").read_text()
    assert "| 2 | 0.8333 |" in md and "| create-hello | 3 | 2 | 0 |" in md


@pytest.mark.slow
def test_eval_cli_real_smollm2_greedy_samples_are_identical(tmp_path):
    cfg = _config(tmp_path)
    tasks = _task_set(tmp_path, ("create-hello",))
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", str(tmp_path)), "COLUMNS": "200"}
    r = subprocess.run(
        [
            SWERL,
            "eval",
            "--config",
            str(cfg),
            "--tasks",
            str(tasks),
            "-k",
            "2",
            "--temperature",
            "0",
            "--name",
            "greedy",
        ]
        + ["--set", "harbor_agent.max_turns=1", "--set", "harbor_runtime.num_workers=1"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=400,
    )
    text = r.stdout + r.stderr
    assert r.returncode == 0, text[-3000:]
    assert "pass@k" in text and "create-hello" in text and "report.json" in text, text[-3000:]
    (out,) = (tmp_path / "artifacts" / "evals").iterdir()
    rep = json.loads((out / "report.json").read_text())
    assert rep["temperature"] == 0.0 and rep["samples_per_task"] == 2 and rep["name"] == "greedy"
    assert rep["sampling_used"]["temperature"] == [0.0] and rep["model_calls"] == 2, rep
    assert rep["per_task"][0]["n"] + rep["per_task"][0]["masked"] == 2
    trials = sorted(Path(rep["trials_dir"]).rglob("tokens.jsonl"))
    assert len(trials) == 2
    from swerl.models.trial import read_token_records

    (a,), (b,) = (read_token_records(p) for p in trials)
    assert a.prompt_ids == b.prompt_ids and a.response_ids == b.response_ids and a.temperature == 0.0
