"""`swerl train` with the local engine: boot the real stack, run the loop, hand off the outputs.

Boot (each step printed): model dir → LocalEngine (the HF model the trainer updates in place) → gateway
(in-process thread) → LiteLLM proxy (real, subprocess) → TrainLoop over the task index. Shutdown on
SIGINT/SIGTERM: proxy stopped, run state updated, checkpoints of completed steps kept.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import math
import os
import time
from pathlib import Path

import yaml

from swerl.config.load import resolve
from swerl.config.paths import RunPaths, make_trial_id
from swerl.config.schema import SwerlConfig
from swerl.train.checkpoint import CheckpointManager
from swerl.train.loop import Schedule, Stopped, StepResult, TrainLoop
from swerl.train.metrics import StepLogger, rollout_metrics


def estimate_s(cfg: SwerlConfig, total_steps: int) -> tuple[float, str]:
    """A rough wall-time estimate, said at the start (refined after step 1 from the measured step time).
    Trial: ~15 s sandbox overhead + turns × tokens at ~8 tok/s per stream (2 cores, batched decode);
    update: ~1.5 s per sample for a 135M model on 2 cores."""
    i = cfg.input
    trials = i.training.train_batch_size * i.training.n_resp_per_prompt
    waves = math.ceil(trials / i.harbor_runtime.num_workers)
    per_trial = 15 + i.harbor_agent.max_turns * i.training.max_tokens_per_turn / 8
    step = waves * per_trial + 1.5 * trials
    boot = 60.0
    return (
        boot + total_steps * step,
        f"{total_steps} steps × ({trials} trials in {waves} waves of ~{per_trial:.0f}s + update) + boot",
    )


def _write_outputs(
    cfg: SwerlConfig, config_path: Path | None, paths: RunPaths, status: str, final: dict[str, float], log: StepLogger
) -> None:
    """`runtime_info.output` (swerl.run.output.run_output — the launcher's archive writes the same record) →
    `.swerl/output.yaml` always; into config.yaml via the run layer's targeted edit (comments and order kept
    byte for byte, result re-validated) — skipped with a note if that fails."""
    from swerl.run.output import run_output, write_output

    out = run_output(cfg, paths.exp, os.environ.get("SWERL_RUN_ID") or paths.exp, status, final)
    paths.state_dir.mkdir(parents=True, exist_ok=True)
    (paths.state_dir / "output.yaml").write_text(
        yaml.safe_dump({"runtime_info": {"output": out.model_dump(mode="json")}}, sort_keys=False)
    )
    if config_path is not None:
        try:
            write_output(config_path, out)
        except Exception as exc:  # noqa: BLE001 — the copy above is the hand-off of record
            log.info(f"config.yaml runtime_info.output not updated ({exc}); see {paths.state_dir / 'output.yaml'}")


def quiet_root_handlers() -> None:
    """Importing verl runs `logging.basicConfig` (a root handler with no level of its own); Harbor pins its loggers at
    DEBUG and they propagate there, printing several DEBUG lines per trial to the console. Give level-less root
    handlers the root's level (WARNING) so only warnings and errors reach the console."""
    import verl  # noqa: F401 — installs that handler now, not mid-run

    root = logging.getLogger()
    for h in root.handlers:
        if h.level == logging.NOTSET:
            h.setLevel(root.level)


def _state_file(paths: RunPaths) -> Path:
    return Path(os.environ.get("SWERL_RUN_STATE") or paths.run_state_file)


def train_local(cfg: SwerlConfig, exp: str, log: StepLogger, config_path: Path | None = None) -> dict[str, float]:
    import torch

    from swerl.rollout.outcome import check_step
    from swerl.rollout.runner import RolloutSettings, TrialJob, run_trials
    from swerl.rollout.samples import SampleSettings, build_samples
    from swerl.rollout.tasks import load_index
    from swerl.run.state import update_state
    from swerl.serve.assets import resolve_model_path
    from swerl.serve.engines.local import LocalEngine
    from swerl.train.local import LocalTrainer, TrainerSettings
    from swerl.train.serving import boot

    quiet_root_handlers()
    i = cfg.input
    t = i.training
    paths = RunPaths.of(cfg, exp)
    rows = load_index(resolve(cfg, i.data.train_index))
    # the val index as named (every task, or the split it names: tasks/easy:heldout), as `swerl eval` reads it
    val_rows = load_index(resolve(cfg, i.data.val_index), default="all") if i.data.val_index else []
    sched = Schedule(
        n_tasks=len(rows),
        batch=t.train_batch_size,
        epochs=t.total_epochs,
        total_steps=t.total_training_steps,
        save_freq=t.save_freq,
        test_freq=t.test_freq,
        seed=i.experiment.seed,
    )
    est, how = estimate_s(cfg, sched.total)
    log.info(f"expect ~{est / 60:.0f} min ({how}); refined after step 1")
    state_file = _state_file(paths)
    update_state(state_file, exp=exp, exp_log=str(paths.exp_log), train_pid=os.getpid(), train_pgid=os.getpgid(0))

    t0 = time.perf_counter()
    model_dir = resolve_model_path(i.model.model_path or "smollm2")
    log.info(f"model {model_dir}")
    torch.manual_seed(i.experiment.seed)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(t.device)
    engine = LocalEngine(model, tok, seed=i.experiment.seed, prefix_cache_tokens=t.prefix_cache_tokens)
    asynchronous = t.mode == "async"
    # async: the trainer updates its own copy while the engine keeps generating on the published weights
    train_model = copy.deepcopy(model) if asynchronous else model
    trainer = LocalTrainer(train_model, TrainerSettings.from_config(cfg), pad_id=engine.pad_id)
    max_len = min(i.vllm.max_model_length, engine.max_model_len)
    log.info(f"engine local ({trainer.n_params / 1e6:.0f}M params, lora_rank={t.lora_rank})")
    ckpt = CheckpointManager(paths.checkpoints_dir, t.keep_last_n_checkpoints)
    status, final = "failed", {}
    serving = None
    update_state(state_file, sandbox_label=f"swerl.run={exp}")
    try:
        serving = boot(
            cfg, engine, tok, paths, max_len=max_len, gateway_port=i.infrastructure.gateway_port, state_file=state_file
        )
        log.info(
            f"gateway {serving.gateway.url} · proxy {serving.proxy.base_url} ready · boot "
            f"{time.perf_counter() - t0:.0f}s"
        )
        endpoint = serving.endpoint
        rs = RolloutSettings.from_config(cfg, paths.trials_dir, run_label=exp)
        ss = SampleSettings.from_config(cfg)

        def rollout(step: int, idx: list[int]) -> StepResult:
            jobs = [
                TrialJob(
                    trial_id=make_trial_id(step, rows[j].instance_id, k),
                    task=rows[j],
                    group=f"{rows[j].instance_id}#{b}",
                    agent_name=rows[j].agent_name,
                )
                for b, j in enumerate(idx)
                for k in range(t.n_resp_per_prompt)
            ]
            outs = asyncio.run(run_trials(jobs, rs, endpoint))
            check_step(outs, i.harbor_runtime.max_masked_fraction)  # raises RunCannotTrain: no update, no checkpoint
            samples = [s for o in outs for s in build_samples(o, ss)]
            return StepResult(samples, rollout_metrics(outs), outs)

        def update(samples: list) -> dict[str, float]:
            if asynchronous:  # trials of the next step keep running on the engine meanwhile
                return trainer.update(samples)
            tw = time.perf_counter()
            with engine.paused():  # waits for the engine's in-flight batch (requests of killed trials included)
                waited = time.perf_counter() - tw
                return {**trainer.update(samples), "timing_s/wait_engine": waited}

        def publish() -> dict[str, float]:
            return {"timing_s/update_weights": engine.publish(trainer.model.state_dict())}

        def restore(step: int) -> dict:
            st = ckpt.load(step, trainer.model, trainer)
            if asynchronous:
                publish()
            return st

        def validate(step: int) -> dict[str, float]:
            """The eval code on the val index (validation.{samples,temperature,top_p}, applied per trial by the
            gateway) → val/pass@1, val/reward_mean, …; its report goes to artifacts/evals/ like `swerl eval`'s."""
            from swerl.eval.trials import build_report, run_eval_trials, val_metrics, write_report

            v = i.validation
            outs = asyncio.run(
                run_eval_trials(
                    val_rows, v.samples, rs, endpoint, temperature=v.temperature, top_p=v.top_p, step=step, prefix="val"
                )
            )
            report = build_report(
                outs,
                val_rows,
                v.samples,
                name=f"{exp}-val-step{step}",
                model=f"{i.model.model_path or 'smollm2'} (training, step {step})",
                tasks=str(resolve(cfg, i.data.val_index)),
                temperature=v.temperature,
                top_p=v.top_p,
                trials_dir=str(paths.trials_dir),
                step=step,
            )
            out = write_report(report, paths.root)
            log.info(f"validation step {step}: pass@1 {report.pass_at.get('1', 0.0):.3f} → {out}")
            return val_metrics(report)

        def on_step(step: int, m: dict) -> None:
            eta = loop.eta_s()
            if eta is not None and step in (1, sched.total // 2):
                log.info(f"step {step}/{sched.total} took {m['timing_s/step']:.0f}s → ~{eta / 60:.1f} min left")

        loop = TrainLoop(
            sched,
            rollout=rollout,
            update=update,
            ckpt=ckpt,
            logger=log,
            resume=t.resume_mode == "auto",
            save=lambda step, st: ckpt.save(step, trainer.model, tok, trainer, st),
            restore=restore,
            validate=validate if val_rows else None,
            on_step=on_step,
            lookahead=t.lookahead,
            publish=publish if asynchronous else None,
            version=lambda: engine.weight_version,
            max_staleness=t.max_staleness,
            filter_groups=i.algorithm.filter_groups,
            max_gen_rounds=i.algorithm.max_num_gen_batches,
        )
        log.info(
            f"training {sched.total} steps: {t.train_batch_size} tasks × {t.n_resp_per_prompt} trials/step, "
            f"{i.algorithm.adv_estimator}/{i.algorithm.policy_loss_mode}, {len(rows)} tasks in the index, "
            f"{t.mode}"
            + (f" (max_staleness {t.max_staleness})" if asynchronous else "")
            + (
                f", dynamic sampling (≤ {i.algorithm.max_num_gen_batches or '∞'} rounds)"
                if i.algorithm.filter_groups
                else ""
            )
        )
        final = loop.run()
        status = "finished"
        return final
    except Stopped:
        status = "stopped"
        raise
    finally:
        if serving is not None:
            serving.stop()
        log.info(f"run {status}: {paths.exp_log}")
        update_state(state_file, status=status)
        _write_outputs(cfg, config_path, paths, status, final or log.last, log)
