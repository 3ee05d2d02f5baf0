"""Shipped configs load; `swerl config show|env|reference` behave (secrets never printed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from swerl.cli import app
from swerl.config import load_config
from swerl.preflight.config_cmds import env_lines, reference_text

REPO = Path(__file__).resolve().parents[2]
PROFILES = [REPO / "config.yaml", *sorted((REPO / "configs").glob("*.yaml"))]


@pytest.mark.parametrize("path", PROFILES, ids=[p.name for p in PROFILES])
def test_shipped_configs_validate(path):
    cfg = load_config(path)
    assert cfg.meta_info.name == "rl"


def test_gpu_profile_is_the_documented_one():
    i = load_config(REPO / "configs" / "gpu-8x-qwen3-30b.yaml").input
    assert (i.infrastructure.ngpus_per_node, i.vllm.gen_tp, i.vllm.max_model_length) == (8, 4, 128000)
    assert (i.training.train_batch_size, i.training.n_resp_per_prompt) == (64, 8)
    assert (i.training.max_prompt_length, i.training.max_response_length) == (40000, 68000)
    assert (i.training.engine, i.algorithm.adv_estimator) == ("verl", "grpo")
    assert "Qwen3-30B-A3B" in i.model.model_path


def _with_key(tmp_path: Path) -> Path:
    data = yaml.safe_load((REPO / "config.yaml").read_text())
    data["runtime_info"]["input"]["credentials"]["wandb_api_key"] = "wk-very-secret"
    data["runtime_info"]["input"]["data"]["train_index"] = "my tasks/easy"
    p = tmp_path / "config.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


def test_show_redacts_secrets(tmp_path):
    res = CliRunner().invoke(app, ["config", "show", "--config", str(_with_key(tmp_path))])
    assert res.exit_code == 0
    assert "wk-very-secret" not in res.stdout and "***redacted***" in res.stdout
    shown = yaml.safe_load(res.stdout)
    assert shown["runtime_info"]["input"]["training"]["ppo_epochs"] == 1  # defaults filled in


def test_env_lines_evaluate_in_bash(tmp_path):
    cfg = load_config(_with_key(tmp_path))
    script = (
        "\n".join(env_lines(cfg))
        + '\necho "$SWERL_VLLM_GEN_TP|$SWERL_DATA_TRAIN_INDEX|$SWERL_HARBOR_RUNTIME_TAIL_KILL_ENABLED|${SWERL_CREDENTIALS_WANDB_API_KEY-unset}|$WANDB_MODE"\n'
    )
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    assert out == f"1|{tmp_path}/my tasks/easy|1|unset|offline"
    assert "wk-very-secret" not in script


def test_reference_doc_is_current():
    doc = REPO / "docs" / "config-reference.md"
    assert doc.read_text() == reference_text(), (
        "regenerate: .venv/bin/swerl config reference -o docs/config-reference.md"
    )
    for key in ("`gen_tp`", "`docker_host`", "`wandb_api_key`", "`tail_kill_fraction`", "`kubeconfig`"):
        assert key in doc.read_text()
