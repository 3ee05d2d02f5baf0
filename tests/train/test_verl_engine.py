"""verl engine without a GPU: agent-loop registration, AgentLoopOutput construction, main_ppo overrides
(composed against verl's own hydra config, so every key must exist there), and `--print-command`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from swerl.config.load import parse_config


def _gpu_cfg(tmp_path: Path):
    d = yaml.safe_load(Path(__file__).parents[2].joinpath("config.yaml").read_text())
    i = d["runtime_info"]["input"]
    i["model"]["model_path"] = "/models/Qwen3-30B-A3B"
    i["infrastructure"]["ngpus_per_node"] = 8
    i["vllm"].update(gen_tp=4, gpu_memory_utilization=0.7, max_model_length=32768)
    i["training"].update(engine="verl", train_batch_size=64, n_resp_per_prompt=8, save_freq=5, test_freq=5,
                         max_prompt_length=8192, max_response_length=24576, keep_last_n_checkpoints=3)
    i["algorithm"].update(policy_loss_mode="gspo", loss_agg_mode="seq-mean-token-mean")
    i["experiment"]["output_root"] = str(tmp_path)
    cfg = parse_config(d)
    p = tmp_path / "config.yaml"
    p.write_text(yaml.safe_dump(d, sort_keys=False))
    return cfg, p


def test_overrides_compose_in_verl_hydra_config(tmp_path):
    from hydra import compose, initialize_config_dir

    import verl.trainer.main_ppo as mp
    from swerl.train.verl_engine.command import AGENT_NAME, main_ppo_command

    cfg, _ = _gpu_cfg(tmp_path)
    cmd = main_ppo_command(cfg, "exp1", python="python")
    assert cmd[:3] == ["python", "-m", "verl.trainer.main_ppo"]
    ov = cmd[3:]
    conf_dir = str(Path(mp.__file__).parent / "config")
    with initialize_config_dir(config_dir=conf_dir, version_base=None):
        c = compose(config_name="ppo_trainer", overrides=ov)  # an unknown key would raise here
    r = c.actor_rollout_ref.rollout
    assert (r.name, r.tensor_model_parallel_size, r.n, r.gpu_memory_utilization) == ("vllm", 4, 8, 0.7)
    assert r.agent.default_agent_loop == AGENT_NAME and Path(r.agent.agent_loop_config_path).is_file()
    assert c.actor_rollout_ref.actor.policy_loss.loss_mode == "gspo"
    assert c.algorithm.adv_estimator == "grpo"
    assert (c.trainer.n_gpus_per_node, c.trainer.save_freq, c.trainer.test_freq) == (8, 5, 5)
    assert c.trainer.default_local_dir == str(tmp_path / "checkpoints" / "swerl" / "exp1")
    assert c.trainer.max_actor_ckpt_to_keep == 3 and c.data.max_response_length == 24576


def test_agent_loop_registered_and_config_file(tmp_path):
    from omegaconf import OmegaConf
    from verl.experimental.agent_loop.agent_loop import _agent_loop_registry

    from swerl.config.paths import RunPaths
    from swerl.train.verl_engine import agent_loop
    from swerl.train.verl_engine.command import AGENT_NAME, AGENT_TARGET, agent_loop_config_file

    assert _agent_loop_registry[AGENT_NAME]["_target_"] == AGENT_TARGET
    assert f"{agent_loop.SwerlHarborAgentLoop.__module__}.SwerlHarborAgentLoop" == AGENT_TARGET
    cfg, _ = _gpu_cfg(tmp_path)
    entries = OmegaConf.load(agent_loop_config_file(RunPaths.of(cfg, "e")))
    assert entries[0].name == AGENT_NAME and entries[0]._target_ == AGENT_TARGET


def test_agent_loop_output_from_trial(tmp_path):
    from swerl.rollout.outcome import TrialOutcome
    from swerl.rollout.samples import Sample
    from swerl.train.verl_engine.agent_loop import output_from

    s = Sample(trial_id="step1-t-0-abcd", group="t", reward=1.0, prompt_ids=[1, 2, 3], response_ids=[4, 5, 6, 7],
               response_mask=[1, 1, 0, 1], response_logprobs=[-0.1, -0.2, 0.0, -0.3], num_turns=2)
    ok = TrialOutcome(trial_id=s.trial_id, task_id="t", group="t", reward=1.0, trial_dir=tmp_path, num_turns=2)
    out = output_from(ok, [s], [9])
    assert (out.prompt_ids, out.response_ids, out.response_mask) == ([1, 2, 3], [4, 5, 6, 7], [1, 1, 0, 1])
    assert out.response_logprobs == [-0.1, -0.2, 0.0, -0.3] and out.reward_score == 1.0 and out.num_turns == 2
    assert out.extra_fields["swerl_masked"] is False
    bad = ok.model_copy(update={"masked": True, "reward": None, "mask_reason": "agent_timeout"})
    out = output_from(bad, [s], [9])
    assert out.response_mask == [0, 0, 0, 0] and out.extra_fields["swerl_mask_reason"] == "agent_timeout"
    empty = output_from(bad, [], [9, 9])
    assert empty.prompt_ids == [9, 9] and empty.response_ids == []


def test_print_command_cli(tmp_path):
    from typer.testing import CliRunner

    from swerl.cli import app

    _, p = _gpu_cfg(tmp_path)
    res = CliRunner().invoke(app, ["train", "--config", str(p), "--print-command", "--exp-name", "x"])
    assert res.exit_code == 0, res.output
    assert "-m verl.trainer.main_ppo" in res.output and "actor_rollout_ref.rollout.tensor_model_parallel_size=4" in res.output
