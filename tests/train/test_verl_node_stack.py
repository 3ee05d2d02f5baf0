"""The verl path at scale on CPU: the REAL `SwerlHarborAgentLoop.run()` called as verl 0.9.1's v1 worker calls
it (session_id per sample, global_steps, extra_info), from two agent-loop worker actors on a real local Ray
cluster, through the real node stack (one gateway + one LiteLLM proxy + one trial scheduler), Harbor trials in
local-process sandboxes with the swerl-bash agent and the task's verifier. Stand-ins (verl_standin.py): the
vLLM replica (no GPU here) and the worker shell around run().

Checked over STEPS steps of PROMPTS prompts × N: exactly one proxy and one stack actor, the trials spread over
HOSTS trial host processes (tail-killed ones cancelled there, their sandboxes gone), never more than
`num_workers` sandboxes at once (sampled), 0 lost or duplicated trials, masked trials return no output (so they
cannot enter their group's statistics) while their group still trains, per-step rollout metrics written.
Size: SWERL_SCALE_PROMPTS (default 8 → 64 trials/step; bench/bench_scale.py runs the big sizes)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
PROMPTS = int(os.environ.get("SWERL_SCALE_PROMPTS", "8"))
N, STEPS, WORKERS, HOSTS = 8, 2, 12, 2


@pytest.fixture(scope="module")
def smol_dir():
    from swerl.serve.assets import resolve_model_path

    return resolve_model_path("smollm2")


def test_node_stack_runs_verl_sessions_bounded_and_exact(tmp_path, smol_dir, monkeypatch):
    ray = pytest.importorskip("ray")
    from swerl.config.load import load_config
    from swerl.config.paths import RunPaths
    from swerl.rollout.tasks import load_index
    from swerl.train import algos
    from swerl.train.verl_engine.node_stack import ACTOR_PREFIX, read_step_stats
    from tests.train.verl_standin import (
        GATEWAY_MODULE,
        StandInAgentLoopWorker,
        StandInReplica,
        hello_prompts,
        run_env,
        standin_config,
        swerl_procs,
    )

    cfg_path = standin_config(
        tmp_path,
        smol_dir,
        "scale",
        harbor_runtime=dict(
            num_workers=WORKERS,
            tail_kill_fraction=0.9,
            tail_kill_grace_sec=4,
            max_sandbox_starts_per_sec=20,
            trial_processes=HOSTS,
        ),
        training=dict(train_batch_size=PROMPTS, n_resp_per_prompt=N),
    )
    cfg = load_config(cfg_path)
    paths = RunPaths.of(cfg, "scale")
    sandboxes = tmp_path / "sandboxes"
    sandboxes.mkdir()
    env = run_env(cfg_path, "scale", paths.run_state_file, sandboxes, tmp_path)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    hello = next(r for r in load_index(ROOT / "tasks" / "easy") if r.instance_id == "create-hello")
    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})
    peak = {"sandboxes": 0, "proxies": 0, "gateways": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.25):
            peak["sandboxes"] = max(peak["sandboxes"], sum(1 for _ in sandboxes.iterdir()))
            peak["proxies"] = max(peak["proxies"], len(swerl_procs(str(tmp_path))))
            peak["gateways"] = max(peak["gateways"], len(swerl_procs(str(tmp_path), GATEWAY_MODULE)))

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        replica = StandInReplica.options(name="vllm_server_0_0").remote(str(smol_dir), 0.08, 0.4, seed=7)
        ray.get(replica.get_server_address.remote())
        workers = [StandInAgentLoopWorker.remote(str(smol_dir)) for _ in range(2)]
        sampler.start()
        results: dict[int, dict[str, list]] = {}
        for step in range(1, STEPS + 1):
            prompts = hello_prompts(hello, f"u{step}", PROMPTS, global_steps=step)
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
    # the trials ran in HOSTS trial host processes (not the stack's), each handed some, none died
    hosts = info["trial_hosts"]
    assert len(set(hosts["pids"])) == HOSTS and info["pid"] not in hosts["pids"] and hosts["dead"] == []
    assert min(hosts["handed"]) > 0 and sum(hosts["handed"]) == STEPS * PROMPTS * N
    # tail-killed trials were cancelled in their host, which removed their sandboxes: none is left
    assert sorted(p.name for p in sandboxes.iterdir()) == []
    # bounded: the scheduler's own count and the sandboxes seen on disk
    assert 0 < info["peak_concurrent"] <= WORKERS and 0 < peak["sandboxes"] <= WORKERS
    # exact: every session answered once, every trial its own dir and verdict, masked ⇔ no output
    ids = set()
    masked_groups = 0
    reasons: Counter[str] = Counter()
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
        assert 0.05 < stats["rollout/trial_hosts_rss_gb"] < 8  # the hosts' memory, measured apart from the stack's
        n_masked = sum(o["masked"] for o in outcomes.values())
        reasons.update(o["mask_reason"] for o in outcomes.values() if o["masked"])
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
    assert masked_groups >= 1 and reasons["tail_killed"] >= 1, reasons  # the stand-in stalls ~8 % of trials
    assert any(o for r in results.values() for o in r.values())
    # the proxy and the gateway go with their parent (the stack actor died with Ray)
    deadline = time.time() + 20
    while time.time() < deadline and (os.path.exists(f"/proc/{proxy_pid}") or os.path.exists(f"/proc/{gateway_pid}")):
        time.sleep(0.5)
    assert not os.path.exists(f"/proc/{proxy_pid}") or swerl_procs(str(tmp_path)) == []
    assert swerl_procs(str(tmp_path), GATEWAY_MODULE) == []


def test_a_peak_rss_jump_is_logged_with_the_trial_that_ended(tmp_path, monkeypatch, capsys):
    """The stack names the trial by whose end its peak RSS rose (how it ended, what it left on disk), and its
    step stats carry the resident and peak memory."""
    from swerl.rollout.outcome import TrialOutcome
    from swerl.train.verl_engine import node_stack as ns

    (tmp_path / "t1").mkdir()
    (tmp_path / "t1" / "log.txt").write_bytes(b"x" * (3 << 20))
    out = TrialOutcome(trial_id="step1-t-0-abc", task_id="t", group="g", reward=1.0, trial_dir=tmp_path / "t1")
    stack = ns.NodeStack("cfg.yaml", "exp")
    monkeypatch.setattr(ns, "RSS_JUMP_BYTES", 1)
    stack._watch_memory(out)  # the first trial only sets the baseline
    assert capsys.readouterr().err == ""
    stack._peak_seen = 1
    stack._watch_memory(out)
    err = capsys.readouterr().err
    assert "peak RSS" in err and "step1-t-0-abc" in err and "reward 1.0" in err and "3.0 MiB" in err
    rss, peak = ns.process_memory()
    assert rss > 0 and peak >= stack._peak_seen > 1  # (ru_maxrss is kept lazily: it may trail the current RSS)
