"""The local trainer's validation (`training.test_freq`) runs the eval code: one real `swerl train` step of the
local engine (SmolLM2, real proxy + gateway, Docker sandboxes) with validation.samples = 2 at temperature 0 while
the training temperature is 0.7 → `val/pass@1` and `val/reward_mean` in the step line, an eval report for the
step under artifacts/evals/, and both greedy val samples sampled the same tokens."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.eval.test_eval_e2e import ROOT, SWERL, _task_set

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_test_freq_validation_uses_eval_code_and_greedy(tmp_path):
    from swerl.models.trial import read_token_records
    from swerl.serve.proxy.process import free_port

    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    i = cfg["runtime_info"]["input"]
    exp = "swerl-test-train-val"
    i["data"] = {"train_index": str(_task_set(tmp_path, ("create-color",))), "val_index": str(tmp_path / "val")}
    _task_set(tmp_path / "v", ("create-hello",)).rename(tmp_path / "val")
    i["infrastructure"] |= {"litellm_port": free_port(), "gateway_port": free_port()}
    i["harbor_agent"] |= {"max_turns": 1, "max_retries": 0}
    i["harbor_runtime"] |= {"num_workers": 1}
    i["vllm"]["temperature"] = 0.7
    i["training"] |= {"train_batch_size": 1, "n_resp_per_prompt": 2, "total_training_steps": 1, "save_freq": -1}
    i["training"] |= {"max_tokens_per_turn": 16, "test_freq": 1}
    i["validation"] = {"temperature": 0.0, "samples": 2}
    i["experiment"] |= {"exp_name": exp, "output_root": str(tmp_path)}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", str(tmp_path)), "COLUMNS": "200"}
    t = subprocess.run(
        [SWERL, "train", "--config", str(tmp_path / "config.yaml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=500,
    )
    text = t.stdout + t.stderr
    assert t.returncode == 0, text[-3000:]
    step = next(ln for ln in text.splitlines() if ln.startswith("step:1 "))
    m = dict(kv.split(":", 1) for kv in step.split(" - ")[1:])
    assert 0.0 <= float(m["val/pass@1"]) <= 1.0 and "val/pass@2" in m, step
    assert float(m["val/reward_mean"]) == float(m["val/score/mean"]) and float(m["val/masked"]) == 0, step
    (out,) = (tmp_path / "artifacts" / "evals").iterdir()
    assert out.name.endswith(f"_{exp}-val-step1")
    rep = json.loads((out / "report.json").read_text())
    assert rep["step"] == 1 and rep["samples_per_task"] == 2 and rep["sampling_used"]["temperature"] == [0.0]
    assert float(m["val/pass@1"]) == pytest.approx(rep["pass_at"]["1"])
    vals = sorted(Path(rep["trials_dir"]).glob("step_1/step1-val-*/tokens.jsonl"))
    trains = [p for p in Path(rep["trials_dir"]).glob("step_1/*/tokens.jsonl") if "-val-" not in p.parent.name]
    assert len(vals) == 2 and len(trains) == 2
    (a,), (b,) = (read_token_records(p) for p in vals)
    assert a.response_ids == b.response_ids and a.temperature == 0.0
    assert {read_token_records(p)[0].temperature for p in trains} == {0.7}  # training calls: the training temperature
