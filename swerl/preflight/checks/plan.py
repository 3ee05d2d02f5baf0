"""Our own arithmetic checks: context fits, TP/DP layout, trials per step, batch divisibility."""

from __future__ import annotations

from swerl.preflight.context import Context
from swerl.rollout.hosts import LAGGY_TRIALS_PER_PROCESS, host_count
from swerl.preflight.report import Report

KNOWN_PARSERS = {"hermes", "qwen3_coder", "none"}
GROUP_ESTIMATORS = {"grpo", "rloo", "grpo_passk", "gpg", "optimal_token_baseline"}


def run(ctx: Context, r: Report) -> None:
    i = ctx.i
    t, v, inf, alg = i.training, i.vllm, i.infrastructure, i.algorithm
    need = t.max_prompt_length + t.max_response_length
    if need <= v.max_model_length:
        r.ok(
            "context", f"max_prompt_length + max_response_length = {need} <= vllm.max_model_length={v.max_model_length}"
        )
    else:  # also enforced by the schema; kept so the check list reads complete
        r.fail(
            "context",
            f"{need} > vllm.max_model_length={v.max_model_length} — lower the lengths or raise max_model_length",
        )

    gpus = inf.nnodes * inf.ngpus_per_node
    if gpus:
        if inf.ngpus_per_node % v.gen_tp:
            r.fail(
                "tp/dp",
                f"vllm.gen_tp={v.gen_tp} does not divide infrastructure.ngpus_per_node={inf.ngpus_per_node} — pick a divisor",
            )
        else:
            rn, rg = ctx.cfg.rollout_pool
            share = f"{rn * rg} of {gpus} GPU(s) serve" if rn * rg < gpus else f"{gpus} GPU(s)"
            r.ok("tp/dp", f"{share} / TP={v.gen_tp} → DP={ctx.cfg.vllm_replicas} vLLM replica(s)")
    elif v.gen_tp > 1:
        r.warn("tp/dp", f"vllm.gen_tp={v.gen_tp} has no effect on a CPU profile (one local engine)")
    else:
        r.ok("tp/dp", "CPU profile: one local engine")

    trials = t.train_batch_size * t.n_resp_per_prompt
    workers = i.harbor_runtime.num_workers
    waves = -(-trials // workers)
    # verl's look-ahead shares the node's workers; the local loop's prefetched rollouts each get their own
    ahead = t.lookahead if t.engine == "verl" else 0
    flight = trials * (ahead + 1)
    r.ok(
        "trials/step",
        f"{t.train_batch_size} × {t.n_resp_per_prompt} = {trials} trials/step on {workers} worker(s) → {waves} wave(s)"
        + (f"; async: {flight} in flight ({ahead} batch(es) ahead)" if ahead else ""),
    )
    if workers > flight:
        r.warn(
            "harbor_runtime.num_workers",
            f"{workers} workers > {flight} trials in flight: {workers - flight} always idle",
        )
    elif ahead and workers < flight:
        r.warn(
            "harbor_runtime.num_workers",
            f"{workers} workers < {flight} trials in flight (async, {ahead} batch(es) ahead): the look-ahead queues "
            f"— set harbor_runtime.num_workers={flight} to run it",
        )
    if t.engine == "verl":
        _trial_hosts(i.harbor_runtime, min(workers, flight), r)

    if alg.adv_estimator in GROUP_ESTIMATORS and t.n_resp_per_prompt < 2:
        r.fail(
            "training.n_resp_per_prompt",
            f"{alg.adv_estimator} compares responses within a group: set training.n_resp_per_prompt >= 2 (or another adv_estimator)",
        )
    mini = t.ppo_mini_batch_size
    dp, trainer = ctx.cfg.trainer_dp_ranks, ctx.cfg.trainer_gpus  # DP ranks: the trainer's GPUs / the SP size
    dp_words = f"{trainer} trainer GPUs" + (f" / SP {t.sequence_parallel_size} = {dp} ranks" if dp != trainer else "")
    if mini and t.train_batch_size % mini:
        r.fail(
            "training.ppo_mini_batch_size",
            f"{mini} does not divide train_batch_size={t.train_batch_size} — pick a divisor",
        )
    elif t.engine == "verl" and gpus and (mini or t.train_batch_size) * t.n_resp_per_prompt % dp:
        r.fail(
            "batch",
            f"(ppo_mini_batch_size or train_batch_size) × n_resp_per_prompt = {(mini or t.train_batch_size) * t.n_resp_per_prompt} not divisible by {dp_words} — verl splits it evenly across ranks",
        )
    else:
        r.ok("batch", f"train_batch_size={t.train_batch_size} mini_batch={mini or t.train_batch_size} divides evenly")

    if v.tool_call_parser not in KNOWN_PARSERS:
        r.warn(
            "vllm.tool_call_parser",
            f"{v.tool_call_parser!r} is not one of {sorted(KNOWN_PARSERS)} — a wrong parser gives all-zero response masks",
        )
    else:
        r.ok("vllm.tool_call_parser", v.tool_call_parser)


def _trial_hosts(hr, concurrent: int, r: Report) -> None:
    """verl: the processes that run a node's trials (the rule is `swerl.rollout.hosts`; the node's cores decide
    `auto`, so this counts as if they were plenty) and how many trials each one's event loop carries."""
    n = host_count(hr.trial_processes, concurrent, cpus=1 << 16)
    each = -(-concurrent // n)
    where = "the node stack's process" if n == 1 else f"{n} trial host processes per node"
    auto = " (auto: one per 32, at most one per two cores)" if hr.trial_processes == 0 else ""
    if each > LAGGY_TRIALS_PER_PROCESS:
        r.warn(
            "harbor_runtime.trial_processes",
            f"{concurrent} concurrent trials in {where}: ~{each} per event loop, whose lag fires their deadlines "
            f"early — set harbor_runtime.trial_processes={host_count(0, concurrent, cpus=1 << 16)} (or 0 = auto)",
        )
    else:
        r.ok("trial processes", f"{concurrent} concurrent trials in {where}{auto}, ~{each} each")
