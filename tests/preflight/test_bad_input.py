"""Malformed configs: each gives one line naming the key and the fix, exit 1, and writes nothing."""

from __future__ import annotations

import os
import re

import pytest
from typer.testing import CliRunner

from swerl.cli import app


FIX_HINT = re.compile(r"—|did you mean|fix|set |use |remove|add it|pick|lower|free|export", re.I)

# id → (changes to the shipped config | raw text, key the error line must name)
CASES: dict[str, tuple[object, str]] = {
    "missing runtime_info": ({"/runtime_info": "DELETE"}, "runtime_info"),
    "missing model section": ({"model": "DELETE"}, "runtime_info.input.model"),
    "wrong type batch": ({"training.train_batch_size": "lots"}, "training.train_batch_size"),
    "wrong type bool": ({"harbor_runtime.tail_kill_enabled": "sometimes"}, "harbor_runtime.tail_kill_enabled"),
    "unknown key typo": ({"training.train_batch_sise": 4}, "did you mean 'train_batch_size'"),
    "unknown section typo": ({"vlm": {"gen_tp": 1}}, "did you mean 'vllm'"),
    "human left": ({"model.model_path": "human"}, "model.model_path"),
    "bad model path": ({"model.model_path": "/nonexistent/model"}, "model.model_path"),
    "model dir without config.json": ({"model.model_path": "@EMPTYDIR"}, "model.model_path"),
    "gen_tp 0": ({"vllm.gen_tp": 0}, "vllm.gen_tp"),
    "lengths too long": ({"training.max_prompt_length": 8000}, "vllm.max_model_length"),
    "gen_tp does not divide gpus": ({"infrastructure.ngpus_per_node": 8, "vllm.gen_tp": 3}, "vllm.gen_tp"),
    "verl engine without gpus": ({"training.engine": "verl"}, "training.engine"),
    "bad docker_host scheme": ({"harbor_agent.docker_host": "http://docker:2376"}, "harbor_agent.docker_host"),
    "docker_host without port": ({"harbor_agent.docker_host": "tcp://dockerhost"}, "harbor_agent.docker_host"),
    "missing kubeconfig file": (
        {"harbor_agent.environment_import_path": "k8s", "k8s.kubeconfig": "/nonexistent/kubeconfig.yaml"},
        "k8s.kubeconfig",
    ),
    "misspelt backend": ({"harbor_agent.environment_import_path": "dokcer"}, "harbor_agent.environment_import_path"),
    "k8s backend without kubeconfig": (
        {"harbor_agent.environment_import_path": "swerl.rollout.envs.k8s:KubernetesEnvironment"},
        "k8s.kubeconfig",
    ),
    "bad wandb_mode": ({"credentials.wandb_mode": "sometimes"}, "credentials.wandb_mode"),
    "port out of range": ({"infrastructure.litellm_port": 70000}, "infrastructure.litellm_port"),
    "same port twice": ({"infrastructure.gateway_port": "@LITELLM_PORT"}, "infrastructure.gateway_port"),
    "train index missing": ({"data.train_index": "/nonexistent/train.parquet"}, "data.train_index"),
    "val index missing": ({"data.val_index": "no/such/val.parquet"}, "data.val_index"),
    "train index empty": ({"data.train_index": ""}, "data.train_index"),
    "train index not parquet": ({"data.train_index": "@TEXTFILE"}, "data.train_index"),
    "tail_kill_fraction > 1": ({"harbor_runtime.tail_kill_fraction": 1.5}, "harbor_runtime.tail_kill_fraction"),
    "import path without class": (
        {"harbor_agent.environment_import_path": "harbor.environments.docker"},
        "harbor_agent.environment_import_path",
    ),
    "grpo with one response": ({"training.n_resp_per_prompt": 1}, "training.n_resp_per_prompt"),
    "mini batch does not divide": ({"training.ppo_mini_batch_size": 3}, "training.ppo_mini_batch_size"),
    "venv_path missing": ({"environment.venv_path": "/nonexistent/venv"}, "environment.venv_path"),
    "empty pod prefix on k8s": (
        {"harbor_agent.environment_import_path": "k8s", "k8s.kubeconfig": "@EMPTYFILE", "k8s.pod_name_prefix": ""},
        "k8s.pod_name_prefix",
    ),
    "yaml syntax error": ("runtime_info:\n  input: [unclosed\n", "not valid YAML"),
    "not a mapping": ("- just\n- a list\n", "must be a mapping"),
}


def _materialize(changes: dict, tmp_path) -> dict:
    out = {}
    for k, v in changes.items():
        if v == "DELETE":
            v = "__DELETE__"  # conftest.DELETE
        elif v == "@EMPTYDIR":
            (tmp_path / "emptymodel").mkdir(exist_ok=True)
            v = str(tmp_path / "emptymodel")
        elif v == "@TEXTFILE":
            (tmp_path / "index.parquet").write_text("not parquet")
            v = str(tmp_path / "index.parquet")
        elif v == "@EMPTYFILE":
            (tmp_path / "kubeconfig").write_text("")
            v = str(tmp_path / "kubeconfig")
        elif v == "@LITELLM_PORT":
            v = 8002
        out[k] = v
    return out


def _tree(path) -> set[str]:
    return {os.path.relpath(os.path.join(r, f), path) for r, ds, fs in os.walk(path) for f in fs + ds}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_config_one_line_naming_key_and_fix(case, make_config, tmp_path, run_dryrun, blocking_lines):
    spec, key = CASES[case]
    cfg = make_config(raw=spec) if isinstance(spec, str) else make_config(_materialize(spec, tmp_path))
    before = _tree(tmp_path)
    code, text = run_dryrun(cfg)
    assert code == 1, text
    lines = [ln for ln in blocking_lines(text) if key in ln]
    assert lines, f"no FAIL/MISSING/EMPTY line names {key!r}:\n{text}"
    assert FIX_HINT.search(lines[0]), f"no fix in: {lines[0]}"
    assert "\n" not in lines[0]
    assert _tree(tmp_path) == before  # nothing written (outputs would go under tmp_path/out)


def test_schema_errors_are_one_line_on_the_cli(make_config):
    """`swerl config show` on a broken config: exactly one stderr line, exit 1."""
    cfg = make_config({"training.train_batch_sise": 4})
    res = CliRunner().invoke(app, ["config", "show", "--config", str(cfg)])
    assert res.exit_code == 1
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and "did you mean 'train_batch_size'" in err[0]


def test_config_file_not_found(tmp_path, run_dryrun):
    code, text = run_dryrun(tmp_path / "nope.yaml")
    assert code == 1 and "not found — pass --config PATH" in text
