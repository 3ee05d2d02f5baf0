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


# Harbor / swerl exception type name → mask reason.
MASK_REASONS = {
    "AgentTimeoutError": "agent_timeout",
    "AgentSetupTimeoutError": "agent_setup_timeout",
    "EnvironmentStartTimeoutError": "sandbox_start",
    "SandboxBuildFailedError": "sandbox_build",
    "VerifierTimeoutError": "verifier_timeout",
    "ProxyError": "proxy_error",
    "ContextOverflowError": "context_overflow",
    "SandboxDiedError": "sandbox_died",
    "APIError": "sandbox_died",
    "NotFound": "sandbox_died",
    "RewardFileNotFoundError": "verifier_error",
    "RewardFileEmptyError": "verifier_error",
    "VerifierOutputParseError": "verifier_error",
    "CancelledError": "cancelled",
}


def reward_of(rewards: dict | None) -> float | None:
    if not rewards:
        return None
    if "reward" in rewards:
        return float(rewards["reward"])
    vals = [float(v) for v in rewards.values()]
    return sum(vals) / len(vals)


def classify(result) -> tuple[float | None, str, bool]:
    """(reward, mask_reason, infra_before_agent) from a Harbor TrialResult.

    `infra_before_agent`: the failure happened before the agent ran (sandbox build/start) — the only case
    the runner retries, since no policy tokens were spent.
    """
    exc = result.exception_info
    rewards = result.verifier_result.rewards if result.verifier_result else None
    agent_started = bool(result.agent_execution and result.agent_execution.started_at)
    if exc is not None:
        reason = MASK_REASONS.get(exc.exception_type)
        if reason is None and rewards is not None:
            return reward_of(rewards), "", False  # e.g. an agent CLI exited non-zero but the tests were graded
        return None, reason or f"error:{exc.exception_type}", not agent_started and reason != "sandbox_build"
    if rewards is None:
        return None, "no_reward", False
    return reward_of(rewards), "", False
