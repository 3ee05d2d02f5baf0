"""`swerl eval`: boot the training serving stack (local engine → gateway → real LiteLLM proxy) over a checkpoint or
the base model, run k samples per task with the configured Harbor agent and sandbox, write the report."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from swerl.config.load import resolve
from swerl.config.paths import RunPaths, utc_stamp
from swerl.config.schema import SwerlConfig
from swerl.models.eval import EvalReport


@dataclass
class EvalOptions:
    tasks: str = ""
    """Task index (parquet) or task dir, optionally `:heldout`/`:train`/`:all` (default all); empty =
    data.val_index."""
    checkpoint: str = ""
    """Empty = the base model (model.model_path)."""
    samples: int = 1
    temperature: float | None = None
    """None = greedy for k = 1, else validation.temperature (or the training temperature when that is 0)."""
    top_p: float | None = None
    name: str = ""


def default_temperature(cfg: SwerlConfig, samples: int) -> float:
    if samples <= 1:
        return 0.0
    return cfg.input.validation.temperature or cfg.input.vllm.temperature


def tasks_path(cfg: SwerlConfig, tasks: str) -> str:
    """The index to evaluate: `--tasks` (relative to the cwd) or data.val_index (relative to the config); either
    may name a split (`tasks/easy:heldout`, swerl.models.task_split), else every task of it is evaluated."""
    if tasks:
        return str(Path(tasks).absolute())
    if cfg.input.data.val_index:
        return str(resolve(cfg, cfg.input.data.val_index))
    from swerl.eval.checkpoint import EvalInputError

    raise EvalInputError(
        "no tasks to evaluate: pass --tasks <index.parquet | task dir>[:heldout|:train|:all] "
        "(e.g. --tasks tasks/easy:heldout) or set data.val_index"
    )


def evaluate(cfg: SwerlConfig, opts: EvalOptions, *, engine=None, tokenizer=None, log=print) -> tuple[EvalReport, Path]:
    """Run the eval → (report, its dir). `engine`/`tokenizer` replace the loaded model (tests: the scripted
    policy); everything else — gateway, proxy, agent, sandboxes, runner — is the training stack."""
    from swerl.eval.checkpoint import EvalInputError, load_model, weights_dir
    from swerl.eval.trials import build_report, run_eval_trials, write_report
    from swerl.rollout.runner import RolloutSettings
    from swerl.rollout.tasks import load_index
    from swerl.serve.assets import resolve_model_path
    from swerl.train.serving import boot

    i = cfg.input
    if opts.samples < 1:
        raise EvalInputError(f"--samples must be >= 1 (got {opts.samples})")
    src = tasks_path(cfg, opts.tasks)
    try:
        rows = load_index(src, default="all")
    except (FileNotFoundError, ValueError) as exc:  # a bad index or split name: its own one-line message
        raise EvalInputError(str(exc)) from None
    temperature = opts.temperature if opts.temperature is not None else default_temperature(cfg, opts.samples)
    top_p = opts.top_p if opts.top_p is not None else i.validation.top_p
    weights = weights_dir(opts.checkpoint) if opts.checkpoint else None
    name = opts.name or (Path(opts.checkpoint).name if opts.checkpoint else "base")
    if weights is not None and name in ("huggingface", "actor"):
        name = next((p.name for p in weights.parents if p.name.startswith("global_step_")), name)
    exp = f"eval_{utc_stamp()}_{name}"
    paths = RunPaths.of(cfg, exp)
    model_label = str(weights) if weights is not None else (i.model.model_path or "smollm2")
    if engine is None:
        from swerl.serve.engines.local import LocalEngine

        base = resolve_model_path(i.model.model_path or "smollm2")
        model, tokenizer = load_model(weights or base, base, i.training.device)
        engine = LocalEngine(
            model, tokenizer, seed=i.experiment.seed, prefix_cache_tokens=i.training.prefix_cache_tokens
        )
    max_len = min(i.vllm.max_model_length, getattr(engine, "max_model_len", 1 << 30))
    log(
        f"[eval] {name}: {model_label} on {src} ({len(rows)} tasks × {opts.samples} samples), "
        f"temperature {temperature}{' (greedy)' if temperature == 0 else ''}, top_p {top_p}"
    )
    serving = boot(cfg, engine, tokenizer, paths, max_len=max_len, gateway_port=0, proxy_port=0)
    rs = RolloutSettings.from_config(cfg, paths.trials_dir, run_label=exp)
    n_jobs = len(rows) * opts.samples

    def done(out, k: int, n: int) -> None:
        what = f"masked {out.mask_reason}" if out.masked else f"reward {out.reward}"
        log(f"[eval] {k}/{n} {out.task_id}: {what}")

    try:
        outs = asyncio.run(
            run_eval_trials(
                rows, opts.samples, rs, serving.endpoint, temperature=temperature, top_p=top_p, on_done=done
            )
        )
    finally:
        serving.stop()
        _teardown_egress(cfg, exp)
    assert len(outs) == n_jobs
    report = build_report(
        outs,
        rows,
        opts.samples,
        name=name,
        model=model_label,
        checkpoint=str(Path(opts.checkpoint).resolve()) if opts.checkpoint else "",
        tasks=src,
        temperature=temperature,
        top_p=top_p,
        trials_dir=str(paths.trials_dir),
    )
    return report, write_report(report, paths.root)


def _teardown_egress(cfg: SwerlConfig, exp: str) -> None:
    """A proxy_only eval made its own sandbox network + relay (labelled swerl.run=<exp>): remove them."""
    if cfg.input.harbor_agent.sandbox_egress == "open":
        return
    try:
        from swerl.rollout.envs import egress
        from swerl.rollout.envs.docker_api import docker_client

        ha = cfg.input.harbor_agent
        egress.teardown(docker_client(ha.docker_host, ha.docker_tls_dir), exp)
    except Exception:  # noqa: BLE001 — `swerl clean` removes labelled leftovers too
        pass
