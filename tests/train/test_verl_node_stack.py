"""The verl path at scale on CPU: the REAL `SwerlHarborAgentLoop.run()` called as verl 0.9.1's v1 worker calls
it (session_id per sample, global_steps, extra_info), from two agent-loop worker actors on a real local Ray
cluster, through the real node stack (one gateway + one LiteLLM proxy + one trial scheduler), Harbor trials in
local-process sandboxes with the swerl-bash agent and the task's verifier. Stand-ins (verl_standin.py): the
vLLM replica (no GPU here) and the worker shell around run().

Checked over STEPS steps of PROMPTS prompts × N: exactly one proxy and one stack actor, never more than
`num_workers` sandboxes at once (sampled), 0 lost or duplicated trials, masked trials return no output (so they
cannot enter their group's statistics) while their group still trains, per-step rollout metrics written.
Size: SWERL_SCALE_PROMPTS (default 8 → 64 trials/step; bench/bench_scale.py runs the big sizes)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
PROMPTS = int(os.environ.get("SWERL_SCALE_PROMPTS", "8"))
N, STEPS, WORKERS = 8, 2, 12


@pytest.fixture(scope="module")
def smol_dir():
    from swerl.serve.assets import resolve_model_path

    return resolve_model_path("smollm2")


def _config(tmp_path: Path, smol_dir) -> Path:
    d = yaml.safe_load((ROOT / "configs" / "gpu-1x-smollm2.yaml").read_text())
    i = d["runtime_info"]["input"]
    i["model"]["model_path"] = str(smol_dir)
    i["data"]["train_index"] = str(ROOT / "tasks" / "easy")
    i["harbor_agent"].update(
        environment_import_path="swerl.rollout.envs.local_process:LocalProcessEnvironment",
        max_timeout_sec=120,
        max_retries=0,
    )
    i["harbor_runtime"].update(
        num_workers=WORKERS, tail_kill_fraction=0.9, tail_kill_grace_sec=4, max_sandbox_starts_per_sec=20
    )
    i["training"].update(train_batch_size=PROMPTS, n_resp_per_prompt=N)
    i["experiment"].update(output_root=str(tmp_path), exp_name="scale")
    p = tmp_path / "config.yaml"
    p.write_text(yaml.safe_dump(d, sort_keys=False))
    return p


def _proxies(tag: str, module: bytes = b"swerl.serve.proxy.launch") -> list[int]:
    """Pids of LiteLLM proxy launchers (or of another swerl module) whose env names this test's output root."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            if module in cmd and tag.encode() in Path(f"/proc/{pid}/environ").read_bytes():
                out.append(int(pid))
        except OSError:
            continue
    return out


def test_node_stack_runs_verl_sessions_bounded_and_exact(tmp_path, smol_dir, monkeypatch):
    ray = pytest.importorskip("ray")
    from swerl.config.load import load_config
    from swerl.config.paths import RunPaths
    from swerl.rollout.tasks import load_index
    from swerl.train import algos
    from swerl.train.verl_engine.node_stack import ACTOR_PREFIX, read_step_stats
    from tests.train.verl_standin import StandInAgentLoopWorker, StandInReplica

    cfg_path = _config(tmp_path, smol_dir)
    cfg = load_config(cfg_path)
    paths = RunPaths.of(cfg, "scale")
    sandboxes = tmp_path / "sandboxes"
    sandboxes.mkdir()
    env = {
        "SWERL_CONFIG": str(cfg_path),
        "SWERL_EXP": "scale",
        "SWERL_RUN_STATE": str(paths.run_state_file),
        "SWERL_LOCAL_SANDBOX_DIR": str(sandboxes),
        "SWERL_TEST_TAG": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "HARBOR_TELEMETRY": "0",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    hello = next(r for r in load_index(ROOT / "tasks" / "easy") if r.instance_id == "create-hello")
    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})
    peak = {"sandboxes": 0, "proxies": 0, "gateways": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.25):
            peak["sandboxes"] = max(peak["sandboxes"], sum(1 for _ in sandboxes.iterdir()))
            peak["proxies"] = max(peak["proxies"], len(_proxies(str(tmp_path))))
            peak["gateways"] = max(peak["gateways"], len(_proxies(str(tmp_path), b"swerl.serve.gateway.main")))

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        replica = StandInReplica.options(name="vllm_server_0_0").remote(str(smol_dir), 0.08, 0.4, seed=7)
        ray.get(replica.get_server_address.remote())
        workers = [StandInAgentLoopWorker.remote(str(smol_dir)) for _ in range(2)]
        sampler.start()
        results: dict[int, dict[str, list]] = {}
        for step in range(1, STEPS + 1):
            prompts = [
                {
                    "uid": f"u{step}x{j}",
                    "global_steps": step,
                    "index": j,
                    "data_source": "harbor",
                    "raw_prompt": [{"role": "user", "content": hello.instruction}],
                    "extra_info": {
                        "instance_id": hello.instance_id,
                        "index": j,
                        "split": "train",
                        "harbor_agent": "",
                        "harbor_task_path": str(hello.task_path),
                    },
                }
                for j in range(PROMPTS)
            ]
            half = PROMPTS // 2
            parts = ray.get(
                [workers[0].run_prompts.remote(prompts[:half], N), workers[1].run_prompts.remote(prompts[half:], N)],
                timeout=900,
            )
            results[step] = {k: v for p in parts for k, v in p.items()}
        stop.set()
        stack_names = [
            a["name"] for a in ray.util.list_named_actors(all_namespaces=True) if a["name"].startswith(ACTOR_PREFIX)
        ]
        stack = ray.get_actor(stack_names[0])
        info = ray.get(stack.info.remote())
        proxy_pid, gateway_pid = info["proxy_pid"], info["gateway_pid"]
    finally:
        stop.set()
        ray.shutdown()

    # one serving stack for the node, whatever the number of agent-loop workers
    assert len(stack_names) == 1 and peak["proxies"] == 1 and proxy_pid > 0
    assert peak["gateways"] == 1 and gateway_pid > 0  # the gateway: its own process, one per node
    state = json.loads(paths.run_state_file.read_text())
    assert [p["pid"] for p in state["procs"] if p["name"] == "litellm"] == [proxy_pid]
    assert [p["pid"] for p in state["procs"] if p["name"] == "gateway"] == [gateway_pid]
    # bounded: the scheduler's own count and the sandboxes seen on disk
    assert 0 < info["peak_concurrent"] <= WORKERS and 0 < peak["sandboxes"] <= WORKERS
    # exact: every session answered once, every trial its own dir and verdict, masked ⇔ no output
    ids = set()
    masked_groups = 0
    for step, res in results.items():
        assert len(res) == PROMPTS * N
        trial_dirs = sorted((paths.trials_dir / f"step_{step}").iterdir())
        assert len(trial_dirs) == PROMPTS * N
        outcomes = {d.name: json.loads((d / "outcome.json").read_text()) for d in trial_dirs}
        by_session = {}
        for d, o in outcomes.items():
            k = int(d.split("-")[-2])  # step{N}-{task}-{session_id}-{rand}
            by_session.setdefault((o["group"], k), []).append(o)
        assert all(len(v) == 1 for v in by_session.values())  # no session ran twice
        for key, outs in res.items():
            uid, sid = key.rsplit("_", 1)
            (o,) = by_session[(uid, int(sid))]
            if o["masked"]:
                assert outs == [], key
            else:
                assert len(outs) >= 1 and all(x.reward_score == o["reward"] for x in outs)
                assert outs[-1].extra_fields["swerl_trial_id"] == o["trial_id"]
                ids.add(o["trial_id"])
        stats = read_step_stats(paths.state_dir, step)
        assert stats["rollout/done"] == PROMPTS * N and stats["rollout/peak_concurrent"] <= WORKERS
        n_masked = sum(o["masked"] for o in outcomes.values())
        assert stats["rollout/masked"] == n_masked
        # a group with a masked session still trains, on its other sessions only
        for j in range(PROMPTS):
            finals = [res[f"u{step}x{j}_{i}"][-1] for i in range(N) if res[f"u{step}x{j}_{i}"]]
            if len(finals) == N:
                continue
            masked_groups += 1
            import torch

            rewards = torch.tensor([f.reward_score for f in finals])
            mask = torch.ones(len(finals), 1)
            adv, _ = algos.advantages(cfg.input.algorithm, rewards.unsqueeze(-1), mask, ["g"] * len(finals))
            if rewards.std() > 0:
                expect = (rewards - rewards.mean()) / (rewards.std() + 1e-6)
                assert torch.allclose(adv[:, 0], expect, atol=1e-4)
    assert len(ids) == sum(len([v for v in r.values() if v]) for r in results.values())  # no duplicated trial
    assert masked_groups >= 1  # the stand-in stalls ~8 % of trials: the tail-killer masked some
    assert any(o for r in results.values() for o in r.values())
    # the proxy and the gateway go with their parent (the stack actor died with Ray)
    deadline = time.time() + 20
    while time.time() < deadline and (os.path.exists(f"/proc/{proxy_pid}") or os.path.exists(f"/proc/{gateway_pid}")):
        time.sleep(0.5)
    assert not os.path.exists(f"/proc/{proxy_pid}") or _proxies(str(tmp_path)) == []
    assert _proxies(str(tmp_path), b"swerl.serve.gateway.main") == []
