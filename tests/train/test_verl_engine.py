"""verl engine without a GPU: agent-loop registration, AgentLoopOutput construction, main_ppo overrides
(composed against verl's own hydra config, so every key must exist there), the verl-ready task index,
`--print-command`, and `swerl train` running main_ppo as a child (a stand-in main_ppo script: the real one
needs a GPU — dev/gpu/run_grpo.sh runs that)."""

from __future__ import annotations

import sys
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
    i["training"].update(
        engine="verl",
        train_batch_size=64,
        n_resp_per_prompt=8,
        save_freq=5,
        test_freq=5,
        max_prompt_length=8192,
        max_response_length=24576,
        keep_last_n_checkpoints=3,
    )
    i["algorithm"].update(policy_loss_mode="gspo", loss_agg_mode="seq-mean-token-mean")
    i["training"].update(
        use_remove_padding=False,
        attn_implementation="sdpa",
        log_prob_micro_batch_size_per_gpu=3,
        verl_overrides=["actor_rollout_ref.actor.ppo_epochs=2", "trainer.save_freq=7"],
    )
    i["experiment"]["output_root"] = str(tmp_path)
    i["data"]["train_index"] = str(Path(__file__).parents[2] / "tasks" / "easy")
    cfg = parse_config(d)
    p = tmp_path / "config.yaml"
    p.write_text(yaml.safe_dump(d, sort_keys=False))
    return cfg, p


def test_overrides_compose_in_verl_hydra_config(tmp_path):
    from swerl.train.verl_engine.command import AGENT_NAME, main_ppo_command
    from tests.train.verl_compose import compose_main_ppo

    cfg, _ = _gpu_cfg(tmp_path)
    assert main_ppo_command(cfg, "exp1", python="python")[:3] == ["python", "-m", "verl.trainer.main_ppo"]
    c = compose_main_ppo(cfg)  # an unknown key would raise here
    r = c.actor_rollout_ref.rollout
    assert (r.name, r.tensor_model_parallel_size, r.n, r.gpu_memory_utilization) == ("vllm", 4, 8, 0.7)
    assert r.agent.default_agent_loop == AGENT_NAME and Path(r.agent.agent_loop_config_path).is_file()
    assert c.actor_rollout_ref.actor.policy_loss.loss_mode == "gspo"
    assert c.algorithm.adv_estimator == "grpo"
    assert (c.trainer.n_gpus_per_node, c.trainer.save_freq, c.trainer.test_freq) == (8, 7, 5)  # override won
    assert c.actor_rollout_ref.actor.ppo_epochs == 2  # training.verl_overrides reach main_ppo
    assert c.trainer.default_local_dir == str(tmp_path / "checkpoints" / "swerl" / "exp1")
    assert c.trainer.max_actor_ckpt_to_keep == 3 and c.data.max_response_length == 24576
    # verl's vLLM answers under our served name only through the prometheus switch
    assert r.prometheus.enable and r.prometheus.served_model_name == cfg.input.model.served_model_name
    assert r.disable_log_stats is False
    m = c.actor_rollout_ref.model
    assert m.use_remove_padding is False and m.override_config.attn_implementation == "sdpa"
    assert r.log_prob_micro_batch_size_per_gpu == 3 and c.actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu == 3


def test_verl_index_rows_absolute_and_agent_loop_column(tmp_path):
    """The parquet verl reads: agent_name = our agent loop, absolute task paths (any worker cwd), Harbor agent
    in extra_info — built from a task dir or from a parquet with relative paths."""
    import pandas as pd

    from swerl.config.paths import RunPaths
    from swerl.rollout.tasks import write_index
    from swerl.train.verl_engine.command import AGENT_NAME, verl_index

    cfg, _ = _gpu_cfg(tmp_path)
    rel = tmp_path / "idx" / "train.parquet"
    write_index([Path(__file__).parents[2] / "tasks" / "easy"], rel, agent_name="oracle")
    for src in (cfg.input.data.train_index, str(rel)):
        c = cfg.model_copy(deep=True)
        c.input.data.train_index = src
        df = pd.read_parquet(verl_index(c, RunPaths.of(c, "e"), "train"))
        assert len(df) >= 20 and set(df["agent_name"]) == {AGENT_NAME}
        assert all(
            Path(e["harbor_task_path"]).is_absolute() and (Path(e["harbor_task_path"]) / "task.toml").is_file()
            for e in df["extra_info"]
        )
    assert set(df["extra_info"].map(lambda e: e["harbor_agent"])) == {"oracle"}


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


def test_agent_loop_outputs_from_trial(tmp_path):
    """One AgentLoopOutput per segment (the trial's reward on each; verl scores the last one per session),
    [] for a masked trial (it must not enter its group's mean/std with a fake 0)."""
    from swerl.rollout.outcome import TrialOutcome
    from swerl.rollout.samples import Sample
    from swerl.train.verl_engine.agent_loop import outputs_from

    def sample(seg, prompt, resp, mask):
        lps = [-0.1 * (j + 1) if m else 0.0 for j, m in enumerate(mask)]
        return Sample(
            trial_id="step1-t-0-abcdef012345",
            group="t",
            reward=1.0,
            prompt_ids=prompt,
            response_ids=resp,
            response_mask=mask,
            response_logprobs=lps,
            segment=seg,
            num_turns=2,
        )

    s0, s1 = sample(0, [1, 2, 3], [4, 5, 6, 7], [1, 1, 0, 1]), sample(1, [1, 9], [8], [1])
    ok = TrialOutcome(trial_id=s0.trial_id, task_id="t", group="t", reward=1.0, trial_dir=tmp_path, num_turns=3)
    outs = outputs_from(ok, [s0, s1], 2.5, weights_version=4)
    assert len(outs) == 2
    assert (outs[0].prompt_ids, outs[0].response_ids, outs[0].response_mask) == ([1, 2, 3], [4, 5, 6, 7], [1, 1, 0, 1])
    assert outs[0].response_logprobs == s0.response_logprobs and outs[1].response_ids == [8]
    assert [o.reward_score for o in outs] == [1.0, 1.0] and [o.extra_fields["swerl_segment"] for o in outs] == [0, 1]
    assert all(o.extra_fields["min_global_steps"] == o.extra_fields["max_global_steps"] == 4 for o in outs)
    assert outs[-1].metrics.generate_sequences == 2.5
    bad = ok.model_copy(update={"masked": True, "reward": None, "mask_reason": "agent_timeout"})
    assert outputs_from(bad, [s0]) == [] and outputs_from(ok, []) == []


def test_served_name_from_replica(tmp_path):
    """The engine asks for the name the replica lists (a real HTTP server on a free port)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from swerl.train.serving import served_name

    listed = {"ids": ["SmolLM2-135M-Instruct"]}

    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"data": [{"id": i} for i in listed["ids"]]}).encode()
            self.send_response(200 if self.path == "/v1/models" else 404)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    addr = f"127.0.0.1:{srv.server_port}"
    try:
        assert served_name(addr, "vllm_model") == "SmolLM2-135M-Instruct"
        listed["ids"] = ["x", "vllm_model"]
        assert served_name(addr, "vllm_model") == "vllm_model"
    finally:
        srv.shutdown()
    assert served_name(addr, "vllm_model", timeout=1) == "vllm_model"  # unreachable: keep the configured name


def test_print_command_cli(tmp_path):
    from typer.testing import CliRunner

    from swerl.cli import app

    _, p = _gpu_cfg(tmp_path)
    res = CliRunner().invoke(app, ["train", "--config", str(p), "--print-command", "--exp-name", "x"])
    assert res.exit_code == 0, res.output
    assert (
        "-m verl.trainer.main_ppo" in res.output
        and "actor_rollout_ref.rollout.tensor_model_parallel_size=4" in res.output
    )


def test_exp_name_from_launcher_env(tmp_path, monkeypatch):
    """start.sh names the run first (SWERL_EXP_NAME); with exp_name empty the trainer must use that name."""
    from typer.testing import CliRunner

    from swerl.cli import app

    _, p = _gpu_cfg(tmp_path)
    monkeypatch.setenv("SWERL_EXP_NAME", "from-launcher-123")
    res = CliRunner().invoke(app, ["train", "--config", str(p), "--print-command"])
    assert res.exit_code == 0, res.output
    assert "trainer.experiment_name=from-launcher-123" in res.output


FAKE_MAIN_PPO = """
import json, os, pathlib, sys
ck = pathlib.Path(sys.argv[1])
print("ray boot noise", flush=True)
for s in (1, 2):
    print(f"\\x1b[36m(TaskRunnerV1 pid=1)\\x1b[0m step:{s} - critic/score/mean:{0.25 * s} - timing_s/gen:3.5 - "
          f"perf/throughput:{100 * s}")
(ck / "global_step_2" / "actor").mkdir(parents=True)
(ck / "global_step_2" / "actor" / "model_world_size_1_rank_0.pt").write_bytes(b"weights")
(ck / "latest_checkpointed_iteration.txt").write_text("2")
print("env", os.environ["SWERL_CONFIG"], os.environ["SWERL_EXP"])
sys.exit(int(os.environ.get("FAKE_RC", "0")))
"""


def test_swerl_train_runs_main_ppo_child(tmp_path, monkeypatch):
    """`swerl train` (engine verl) RUNS main_ppo (not just prints it): env exported, step lines in
    logs/<exp>.log and throughput in <exp>_vllm.log, run state records the child, runtime_info.output written.
    main_ppo itself is a stand-in script here (the real one needs a GPU)."""
    import json

    from typer.testing import CliRunner

    import swerl.train.verl_engine.command as command
    from swerl.cli import app
    from swerl.config.paths import RunPaths

    cfg, p = _gpu_cfg(tmp_path)
    paths = RunPaths.of(cfg, "x")
    fake = tmp_path / "fake_main_ppo.py"
    fake.write_text(FAKE_MAIN_PPO)
    monkeypatch.setattr(
        command,
        "main_ppo_command",
        lambda c, e, python=None: [sys.executable, str(fake), str(RunPaths.of(c, e).checkpoints_dir)],
    )
    monkeypatch.delenv("SWERL_RUN_STATE", raising=False)
    res = CliRunner().invoke(app, ["train", "--config", str(p), "--exp-name", "x"])
    assert res.exit_code == 0, res.output
    assert "[sync_1node_cc] exp=x" in res.output and "ray boot noise" in res.output
    assert f"env {p.resolve()} x" in res.output
    exp_log = paths.exp_log.read_text()
    assert exp_log.count("step:") == 2 and "critic/score/mean:0.5" in exp_log and "ray boot noise" not in exp_log
    assert "\nstep:1 - critic/score/mean:0.25 - " in exp_log and "TaskRunner" not in exp_log  # no Ray prefix
    assert "perf/throughput:200" in paths.vllm_log.read_text()
    state = json.loads(paths.run_state_file.read_text())
    assert state["status"] == "finished" and [q["name"] for q in state["procs"]] == ["main_ppo"]
    out = yaml.safe_load((paths.state_dir / "output.yaml").read_text())["runtime_info"]["output"]
    assert out["checkpoint_path"].endswith("checkpoints/swerl/x/global_step_2") and out["status"] == "completed"
    assert out["final_metrics"]["critic/score/mean"] == 0.5
    monkeypatch.setenv("FAKE_RC", "3")
    fake.write_text(
        FAKE_MAIN_PPO.replace('(ck / "global_step_2" / "actor").mkdir(parents=True)', "").replace(
            '(ck / "global_step_2" / "actor" / "model_world_size_1_rank_0.pt").write_bytes(b"weights")', ""
        )
    )
    res = CliRunner().invoke(app, ["train", "--config", str(p), "--exp-name", "x"])
    assert res.exit_code == 3 and json.loads(paths.run_state_file.read_text())["status"] == "failed"


@pytest.mark.integration
def test_main_ppo_runs_under_the_parent_watchdog(tmp_path):
    """The exact argv run_main_ppo starts — `python -m swerl.run.orphan verl.trainer.main_ppo <overrides>` —
    reaches verl's real hydra entry point (`--cfg job` prints the composed config instead of training)."""
    import subprocess

    from swerl.train.verl_engine.command import main_ppo_command

    cfg, _ = _gpu_cfg(tmp_path)
    cmd = main_ppo_command(cfg, "exp1")
    watched = [cmd[0], "-m", "swerl.run.orphan", *cmd[2:], "--cfg", "job"]
    r = subprocess.run(watched, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "experiment_name: exp1" in r.stdout and "ppo_epochs: 2" in r.stdout


def test_trial_ids_unique_per_prompt_group(tmp_path):
    """verl's v1 worker passes session_id (0..n-1) to run(); ids add 48 random bits, and a second trial can never
    claim a dir another trial has."""
    from swerl.config.paths import claim_trial_dir, make_trial_id
    from swerl.train.verl_engine.agent_loop import trial_id_for

    ids = {trial_id_for(7, "Some Task/ä", k) for k in range(8) for _ in range(50)}
    assert len(ids) == 400 and all(i.startswith("step7-") and len(i.rsplit("-", 1)[1]) == 12 for i in ids)
    assert {i.split("-")[-2] for i in ids} == {str(k) for k in range(8)}
    tid = make_trial_id(3, "t", 0)
    assert claim_trial_dir(tmp_path, tid) == tmp_path / "step_3" / tid
    with pytest.raises(FileExistsError):
        claim_trial_dir(tmp_path, tid)


def test_masked_guard_stops_main_ppo_on_an_infra_masked_step(tmp_path):
    """The verl side of check_step: once a step's rollout files (all nodes) hold train_batch_size × n trials and
    too many were masked for infrastructure reasons, main_ppo's process group gets SIGTERM and the error names
    the first cause; a policy-masked step (tail-killed) does not stop anything."""
    import json
    import subprocess

    from swerl.rollout.outcome import TrialOutcome
    from swerl.train.metrics import StepLogger
    from swerl.train.verl_engine.launch import MaskedGuard

    cfg, _ = _gpu_cfg(tmp_path)  # 64 prompts × 8 = 512 trials per step, max_masked_fraction 0.5
    state = tmp_path / ".swerl"
    first = TrialOutcome(
        trial_id="step2-t-0-abc",
        task_id="t",
        group="g",
        masked=True,
        mask_reason="sandbox_failed:OSError",
        error="docker: no space left",
        trial_dir=tmp_path,
    )

    def write(step: int, node: str, done: int, infra: int, lag_ms: float = 30.0) -> None:
        body = {
            "step": step,
            "partition": "train",
            "node": node,
            "metrics": {"rollout/done": done, "rollout/masked_infra": infra, "rollout/loop_lag_ms_max": lag_ms},
            "first_infra": first.model_dump(mode="json") if infra else None,
        }
        (state / "rollout").mkdir(parents=True, exist_ok=True)
        (state / "rollout" / f"step_{step}.train.{node}.json").write_text(json.dumps(body))

    victim = subprocess.Popen(["sleep", "60"], start_new_session=True)
    log = StepLogger(tmp_path / "e.log", tmp_path / "v.log")
    try:
        guard = MaskedGuard(cfg, state, victim.pid, log)
        write(1, "a", 256, 0)
        write(1, "b", 256, 200)  # 200/512 infra-masked: under 0.5
        write(2, "a", 256, 256)  # node b of step 2 not done yet: not judged
        guard.check_once()
        assert guard.error == "" and victim.poll() is None
        assert "event loop" not in guard.error
        write(2, "b", 256, 10, lag_ms=12_345.0)  # 266/512 > 0.5, and node b's trial loop lagged 12 s
        guard.check_once()
        assert victim.wait(timeout=10) == -15
        assert guard.error.startswith("step 2: 266/512 trials masked for infrastructure reasons")
        assert "sandbox_failed:OSError: docker: no space left" in guard.error
        assert "event loop lagged up to 12.3 s" in guard.error and "\n" not in guard.error
    finally:
        victim.kill()


def test_multi_node_workers_get_the_agent_loop_env_through_ray(tmp_path, monkeypatch):
    """nnodes > 1: SWERL_CONFIG / SWERL_EXP / SWERL_RUN_STATE reach every node's workers through verl's
    ray_init.runtime_env (a worker raylet started by `swerl node join` has none of them); one node adds nothing."""
    from swerl.config.load import load_config
    from swerl.train.verl_engine.command import main_ppo_command
    from tests.train.verl_compose import compose_main_ppo

    _, p = _gpu_cfg(tmp_path)
    cfg = load_config(p)
    assert not [o for o in main_ppo_command(cfg, "e", python="python") if "runtime_env" in o]
    cfg.input.infrastructure.nnodes = 2
    monkeypatch.setenv("SWERL_RUN_STATE", str(tmp_path / "state.json"))
    c = compose_main_ppo(cfg, "e")
    env = c.ray_kwargs.ray_init.runtime_env.env_vars
    assert env.SWERL_CONFIG == str(p.resolve()) and env.SWERL_EXP == "e"
    assert env.SWERL_RUN_STATE == str(tmp_path / "state.json") and c.trainer.nnodes == 2
