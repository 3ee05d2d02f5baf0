"""`training.mode: async` with engine verl: the main_ppo overrides composed against verl's own hydra config
(colocate_async / separate_async), the GPU-split errors, verl's real replay buffer dropping what exceeds our
staleness bound, and the agent loop's min/max_global_steps from verl's server actor (a stand-in Ray actor)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.train.verl_compose import compose_main_ppo, verl_config


def _cfg(tmp_path: Path, *, gpus: int = 1, gen_tp: int = 1, **training):
    training.setdefault("mode", "async")
    return verl_config(tmp_path, gpus=gpus, gen_tp=gen_tp, model="/models/Qwen2.5-Coder-7B", **training)


def test_colocate_async_on_one_gpu(tmp_path):
    c = compose_main_ppo(_cfg(tmp_path, max_staleness=2))
    v1 = c.trainer.v1
    assert c.trainer.use_v1 and v1.trainer_mode == "colocate_async" and v1.colocate_async.num_warmup_batches == 2
    assert (v1.sampler.max_off_policy_threshold, v1.sampler.max_off_policy_strategy) == (3, "drop")
    assert c.trainer.n_gpus_per_node == 1 and c.actor_rollout_ref.hybrid_engine is True
    assert c.actor_rollout_ref.rollout.nnodes == 0  # no standalone pool


def test_separate_async_splits_the_gpus_and_passes_verls_checks(tmp_path):
    from swerl.serve.discovery import expected_replicas

    cfg = _cfg(tmp_path, gpus=8, gen_tp=2, rollout_gpus_per_node=6, async_pools="separate", train_batch_size=64)
    cfg.input.training.ppo_mini_batch_size = 16
    c = compose_main_ppo(cfg)
    v1, r = c.trainer.v1, c.actor_rollout_ref.rollout
    assert v1.trainer_mode == "separate_async" and v1.sampler.max_off_policy_threshold == 2
    assert v1.separate_async.num_warmup_batches == 1  # max_staleness 1: one batch ahead
    assert (c.trainer.n_gpus_per_node, r.n_gpus_per_node, r.nnodes) == (2, 6, 1)
    assert c.actor_rollout_ref.hybrid_engine is False and r.checkpoint_engine.backend == "nccl"
    # PPOTrainerSeparateAsync.__init__'s own asserts
    assert (
        c.data.train_batch_size == v1.separate_async.parameter_sync_step * c.actor_rollout_ref.actor.ppo_mini_batch_size
    )
    assert v1.separate_async.parameter_sync_step == 4
    assert expected_replicas(cfg) == 3  # the gateway waits for the rollout pool's replicas only


def test_sync_renders_no_async_keys(tmp_path):
    c = compose_main_ppo(_cfg(tmp_path, gpus=2, mode="sync", async_pools="separate"))  # pools only matter for async
    assert c.trainer.v1.trainer_mode == "sync" and c.trainer.n_gpus_per_node == 2


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        (dict(gpus=8, async_pools="separate"), "rollout_gpus_per_node=0 must be between 1 and"),
        (dict(gpus=8, async_pools="separate", rollout_gpus_per_node=8), r"ngpus_per_node-1=7"),
        (dict(gpus=1, async_pools="separate", rollout_gpus_per_node=1), "use async_pools: colocate"),
        (dict(gpus=8, gen_tp=2, async_pools="separate", rollout_gpus_per_node=3), "not a multiple of vllm.gen_tp"),
        (
            dict(gpus=8, async_pools="separate", rollout_gpus_per_node=4, train_batch_size=6, ppo_mini_batch_size=4),
            "train_batch_size=6 must be a multiple of ppo_mini_batch_size=4",
        ),
        (dict(gpus=0, engine="local", async_pools="separate"), "async_pools=separate is verl's"),
    ],
)
def test_bad_async_splits_are_one_line_errors(tmp_path, kw, words):
    from swerl.config.load import ConfigError

    with pytest.raises(ConfigError, match=words) as e:
        _cfg(tmp_path, **kw)
    assert "\n" not in str(e.value) and "— " in str(e.value)  # one line, with the fix after the dash


def _verl_replay_buffer(monkeypatch):
    """verl 0.9.1's own `replay_buffer.py`, loaded from its file. It imports TransferQueue (`transfer_queue`, not
    installed on this CPU machine; the staleness rule under test never calls it): a STAND-IN module satisfies
    the import only."""
    import importlib.util
    import sys
    import types

    import verl

    tq = types.ModuleType("transfer_queue")
    tq.KVBatchMeta = object
    monkeypatch.setitem(sys.modules, "transfer_queue", tq)
    path = Path(verl.__file__).parent / "trainer" / "ppo" / "v1" / "replay_buffer.py"
    spec = importlib.util.spec_from_file_location("verl_v1_replay_buffer", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("max_staleness", [1, 2])
def test_verls_replay_buffer_drops_what_exceeds_max_staleness(tmp_path, monkeypatch, max_staleness):
    """verl's own ReplayBufferAsync, built as its trainer builds it from the composed config: a group whose
    prompt was dispatched `max_staleness` steps before the step it trains in is kept, one step older dropped."""
    ReplayBufferAsync = _verl_replay_buffer(monkeypatch).ReplayBufferAsync

    c = compose_main_ppo(_cfg(tmp_path, max_staleness=max_staleness))
    s = c.trainer.v1.sampler
    rb = ReplayBufferAsync(
        trainer_mode=c.trainer.v1.trainer_mode,
        trainer_config=c.trainer.v1.colocate_async,
        max_off_policy_threshold=s.max_off_policy_threshold,
        max_off_policy_strategy=s.max_off_policy_strategy,
        sampler_kwargs=s.sampler_kwargs,
    )
    step = 10
    ages = {f"u{a}": a for a in range(0, 4)}  # prompt dispatched `a` steps before the training step
    rb.prompt_global_steps["train"].update({uid: step - a for uid, a in ages.items()})
    rb.finished_keys["train"].update(ages)
    dropped = rb._stale_terminal_keys(step, "train")
    assert dropped == {uid for uid, a in ages.items() if a > max_staleness}


def test_global_steps_from_the_server_actor_and_the_fallback(tmp_path):
    """min/max_global_steps: verl's server actor's `global_steps` at the trial's start and end (read through a
    STAND-IN Ray actor under verl's replica name: no GPU here); without one, the sync rule widened by the
    sample's own span (a call resumed across updates)."""
    import ray

    from swerl.rollout.outcome import TrialOutcome
    from swerl.rollout.samples import Sample
    from swerl.train.verl_engine.agent_loop import outputs_from, server_weights_version

    s = Sample(
        trial_id="step3-t-0-abc",
        group="t",
        reward=1.0,
        prompt_ids=[1],
        response_ids=[2, 3],
        response_mask=[1, 1],
        response_logprobs=[-0.1, -0.2],
        min_weight_version=0,
        max_weight_version=2,
    )
    ok = TrialOutcome(trial_id=s.trial_id, task_id="t", group="t", reward=1.0, trial_dir=tmp_path)
    (o,) = outputs_from(ok, [s], weights_version=4)
    assert (o.extra_fields["min_global_steps"], o.extra_fields["max_global_steps"]) == (4, 6)
    (o,) = outputs_from(ok, [s], weights_version=4, versions=(5, 7))
    assert (o.extra_fields["min_global_steps"], o.extra_fields["max_global_steps"]) == (5, 7)

    @ray.remote(num_cpus=0)
    class StandInServer:
        """STAND-IN for verl's vLLMHttpServer actor: holds `global_steps` like it (set at weight updates)."""

        def __init__(self):
            self.global_steps = None

        async def set_global_steps(self, v: int) -> None:
            self.global_steps = v

    ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False)  # our own, not a cluster
    try:
        assert server_weights_version() is None  # no replica actor
        server = StandInServer.options(name="vllm_server_0_0").remote()
        assert server_weights_version() is None  # no update yet
        ray.get(server.set_global_steps.remote(7))
        assert server_weights_version() == 7
    finally:
        ray.shutdown()


@pytest.mark.parametrize(
    ("mode", "workers", "words"),
    [
        ("async", 48, ""),  # = (2 + 1) batches × 16 trials: nothing to say
        ("async", 16, "16 workers < 48 trials in flight (async, 2 batch(es) ahead)"),
        ("async", 64, "64 workers > 48 trials in flight: 16 always idle"),
        ("sync", 32, "32 workers > 16 trials in flight: 16 always idle"),
    ],
)
def test_preflight_counts_the_async_look_ahead_in_the_worker_check(tmp_path, mode, workers, words):
    """verl async keeps max_staleness batches in flight ahead of the trainer: num_workers is sized against that."""
    import io

    from swerl.preflight.checks import plan
    from swerl.preflight.context import Context
    from swerl.preflight.report import Report, Status

    cfg = _cfg(tmp_path, mode=mode, max_staleness=2, train_batch_size=4, n_resp_per_prompt=4)
    cfg.input.harbor_runtime.num_workers = workers
    r = Report(out=io.StringIO())
    plan.run(Context(cfg, tmp_path / "config.yaml"), r)
    warned = [ln.detail for ln in r.lines if ln.label == "harbor_runtime.num_workers" and ln.status is Status.WARN]
    if workers == 48:
        assert warned == [] and "async: 48 in flight (2 batch(es) ahead)" in r.out.getvalue()
    else:
        assert len(warned) == 1 and warned[0].startswith(words)
