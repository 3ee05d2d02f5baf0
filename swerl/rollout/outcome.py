"""What one trial produced, and how a Harbor result is classified.

Rule: the verifier ran and nothing outside the policy's control broke → its reward. Agent timeout,
sandbox death, context overflow, proxy error, verifier crash, our deadline, the tail-killer → masked
(excluded from the loss, counted in metrics), never a reward of 0.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel


class TrialOutcome(BaseModel):
    trial_id: str
    task_id: str
    group: str
    """Prompt uid: trials of one task in one step share it (GRPO groups)."""
    reward: float | None = None
    """None when masked."""
    masked: bool = False
    mask_reason: str = ""
    trial_dir: Path
    duration_s: float = 0.0
    num_turns: int = 0
    error: str = ""
    attempts: int = 1
    phases: dict[str, float] = {}
    """Seconds per Harbor phase (`PHASES` names) that started; where a slow trial spent its time."""
    loop_lag_s: float = 0.0
    """The largest lag of the event loop that ran this trial, while it ran (measured by trial host processes,
    `swerl.train.verl_engine.trial_hosts`; 0 where the scheduler's own loop ran it — it measures that one)."""


PHASES = {
    "environment_setup": "sandbox",
    "agent_setup": "agent_setup",
    "agent_execution": "agent",
    "verifier": "verifier",
}
"""Harbor TrialResult timing field → the phase name of `rollout/phase_s_*/<name>`."""


def phase_seconds(result) -> dict[str, float]:
    """Seconds of each phase of a Harbor TrialResult that started (one still open at the end: until it ended)."""
    out: dict[str, float] = {}
    for field, name in PHASES.items():
        t = getattr(result, field, None)
        start = getattr(t, "started_at", None)
        end = getattr(t, "finished_at", None) or getattr(result, "finished_at", None)
        if start is not None and end is not None:
            out[name] = max(0.0, (end - start).total_seconds())
    return out


# Exception type names swerl itself (or the Docker SDK under it) raises, with the mask reason each gets.
# Everything else goes through Harbor's own failure table (`harbor.models.trial.error_policy`).
OWN_REASONS = {
    "ProxyError": "proxy_error",  # swerl-bash: the proxy/gateway answered an error or not at all
    "ContextOverflowError": "context_overflow",
    "SandboxDiedError": "sandbox_died",
    "APIError": "sandbox_died",  # docker SDK (also litellm's APIError: provider side — both infra)
    "NotFound": "sandbox_died",
}
# Named reasons for Harbor's types (kept stable: the dashboard and tests read them).
HARBOR_REASONS = {
    "AgentTimeoutError": "agent_timeout",
    "AgentSetupTimeoutError": "agent_setup_timeout",
    "EnvironmentStartTimeoutError": "sandbox_start",
    "SandboxBuildFailedError": "sandbox_build",
    "VerifierTimeoutError": "verifier_timeout",
    "RewardFileNotFoundError": "verifier_error",
    "RewardFileEmptyError": "verifier_error",
    "VerifierOutputParseError": "verifier_error",
    "CancelledError": "cancelled",
    "ContextWindowExceededError": "context_overflow",
    "ContextLengthExceededError": "context_overflow",
}
# Programming errors: a bug in swerl (or a library under it) — never silently masked; the run stops.
BUG_TYPES = frozenset(
    {
        "TypeError",
        "AttributeError",
        "NameError",
        "ImportError",
        "ModuleNotFoundError",
        "AssertionError",
        "UnboundLocalError",
        "SyntaxError",
        "RecursionError",
        "ZeroDivisionError",
    }
)
# Masks that describe the policy (too slow, too long), not broken infrastructure: they never fail a run.
POLICY_REASONS = frozenset({"agent_timeout", "deadline", "tail_killed", "output_overflow"})


class SwerlBug(RuntimeError):
    """A trial failed with a programming error in swerl's code: re-raised, the run stops with it."""


class Verdict(BaseModel):
    decision: str
    """keep (the verifier's reward is valid) | mask (excluded from the loss, counted) | raise (SwerlBug)."""
    reason: str = ""
    infra: bool = False
    """Masked for a cause outside the policy: counts towards `harbor_runtime.max_masked_fraction`."""
    retry: bool = False
    """Worth another attempt (only before the agent ran: no policy tokens spent)."""


def decide(exception_type: str | None, has_reward: bool, agent_started: bool) -> Verdict:
    """The one rule from a trial's exception type (Harbor's ExceptionInfo) to keep / mask / raise."""
    from harbor.models.trial.error_policy import FailureCause, policy_for

    if not exception_type:
        return Verdict(decision="keep") if has_reward else Verdict(decision="mask", reason="no_reward", infra=True)
    if exception_type in BUG_TYPES:
        return Verdict(decision="raise", reason=f"bug:{exception_type}")
    if exception_type in OWN_REASONS:
        return Verdict(
            decision="mask",
            reason=OWN_REASONS[exception_type],
            infra=True,
            retry=not agent_started and OWN_REASONS[exception_type] == "sandbox_died",
        )
    policy = policy_for(exception_type)
    cause = policy.cause
    if cause in (FailureCause.AGENT_REFUSED_TASK, FailureCause.UNCLASSIFIED) and has_reward:
        return Verdict(decision="keep")  # the agent's own doing (or its CLI exited non-zero) and the tests ran
    if cause == FailureCause.AGENT_EXHAUSTED_BUDGET:
        name = HARBOR_REASONS.get(exception_type, "output_overflow" if "Output" in exception_type else "agent_timeout")
        return Verdict(decision="mask", reason=name, infra=name not in POLICY_REASONS)
    reason = HARBOR_REASONS.get(exception_type) or {
        FailureCause.SANDBOX_FAILED: "sandbox_failed",
        FailureCause.MODEL_PROVIDER_FAILED: "provider_error",
        FailureCause.HARBOR_FAILED: "harbor_error",
        FailureCause.VERIFIER_FAILED: "verifier_error",
        FailureCause.CANCELLED: "cancelled",
    }.get(cause, "error")
    if reason in ("sandbox_failed", "provider_error", "harbor_error", "error"):
        reason = f"{reason}:{exception_type}"
    retry = policy.retry and not agent_started and reason != "sandbox_build"
    return Verdict(decision="mask", reason=reason, infra=True, retry=retry)


def infra_masked(outcomes: list["TrialOutcome"]) -> list["TrialOutcome"]:
    return [o for o in outcomes if o.masked and o.mask_reason not in POLICY_REASONS]


def check_step(outcomes: list["TrialOutcome"], max_masked_fraction: float) -> None:
    """Raise RunCannotTrain when more than `max_masked_fraction` of a step's trials were masked for
    infrastructure reasons: the run stops before any update or checkpoint, with the first error's cause."""
    bad = infra_masked(outcomes)
    if outcomes and bad:
        check_counts(len(bad), len(outcomes), bad[0], max_masked_fraction)


def check_counts(n_bad: int, n_total: int, first: "TrialOutcome", max_masked_fraction: float, note: str = "") -> None:
    """check_step's rule on counts (the verl path only sees per-step counts and the first infra-masked trial).
    `note`: what else the step measured that bears on the cause (e.g. the trial loop's lag), said before the fix."""
    if n_total and n_bad / n_total > max_masked_fraction:
        why = f"{first.mask_reason}" + (f": {first.error.strip().splitlines()[0][:240]}" if first.error.strip() else "")
        raise RunCannotTrain(
            f"{n_bad}/{n_total} trials masked for infrastructure reasons (> harbor_runtime.max_masked_fraction="
            f"{max_masked_fraction}); first: {first.trial_id} {why}{note} — fix that cause (see {first.trial_dir}), "
            "then relaunch"
        )


class RunCannotTrain(RuntimeError):
    """Too many trials of a step failed for reasons outside the policy: training on the rest would be a no-op
    or a lie. The message is one line: the count, the first cause, where to look."""


def reward_of(rewards: dict | None) -> float | None:
    if not rewards:
        return None
    if "reward" in rewards:
        return float(rewards["reward"])
    vals = [float(v) for v in rewards.values()]
    return sum(vals) / len(vals)


def classify(result) -> tuple[float | None, str, bool]:
    """(reward, mask_reason, retry) from a Harbor TrialResult, by `decide()`. A bug comes back as reason
    `bug:<type>` (pure, so the dashboard can show it); the runner raises SwerlBug for it."""
    exc = result.exception_info
    rewards = result.verifier_result.rewards if result.verifier_result else None
    agent_started = bool(result.agent_execution and result.agent_execution.started_at)
    v = decide(exc.exception_type if exc else None, rewards is not None, agent_started)
    if v.decision == "keep":
        return reward_of(rewards), "", False
    return None, v.reason, v.retry
