"""Every trial failure → keep / mask / raise, through Harbor's own failure table; the step gate on masked trials."""

from __future__ import annotations

from pathlib import Path

import pytest
from harbor.models.trial.error_policy import ERROR_POLICIES, FailureCause

from swerl.rollout.outcome import (
    BUG_TYPES,
    OWN_REASONS,
    POLICY_REASONS,
    RunCannotTrain,
    TrialOutcome,
    check_step,
    decide,
)

# (exception type, verifier produced a reward, agent started) → (decision, reason, counts as infra)
CASES = [
    (None, True, True, "keep", "", False),
    (None, False, True, "mask", "no_reward", True),
    ("AgentTimeoutError", True, True, "mask", "agent_timeout", False),
    ("ContextWindowExceededError", False, True, "mask", "context_overflow", True),
    ("OutputLengthExceededError", True, True, "mask", "output_overflow", False),
    ("EnvironmentStartTimeoutError", False, False, "mask", "sandbox_start", True),
    ("SandboxBuildFailedError", False, False, "mask", "sandbox_build", True),
    ("HealthcheckError", False, False, "mask", "sandbox_failed:HealthcheckError", True),
    ("AgentSetupTimeoutError", False, False, "mask", "agent_setup_timeout", True),
    ("AuthenticationError", True, True, "mask", "provider_error:AuthenticationError", True),
    ("RateLimitError", True, True, "mask", "provider_error:RateLimitError", True),
    ("BadRequestError", False, True, "mask", "provider_error:BadRequestError", True),
    ("MissingExtraError", False, False, "mask", "harbor_error:MissingExtraError", True),
    ("VerifierTimeoutError", False, True, "mask", "verifier_timeout", True),
    ("RewardFileNotFoundError", False, True, "mask", "verifier_error", True),
    ("CancelledError", False, True, "mask", "cancelled", True),
    ("AgentSafetyRefusalError", True, True, "keep", "", False),
    ("NonZeroAgentExitCodeError", True, True, "keep", "", False),
    ("NonZeroAgentExitCodeError", False, True, "mask", "error:NonZeroAgentExitCodeError", True),
    ("SomethingNobodyKnows", True, True, "keep", "", False),
    ("SomethingNobodyKnows", False, True, "mask", "error:SomethingNobodyKnows", True),
    ("ProxyError", False, True, "mask", "proxy_error", True),
    ("ContextOverflowError", False, True, "mask", "context_overflow", True),
    ("SandboxDiedError", False, True, "mask", "sandbox_died", True),
    ("NotFound", False, True, "mask", "sandbox_died", True),
    ("TypeError", False, True, "raise", "bug:TypeError", False),
    ("AttributeError", True, True, "raise", "bug:AttributeError", False),
]


@pytest.mark.parametrize(("etype", "has_reward", "started", "decision", "reason", "infra"), CASES)
def test_decision_table(etype, has_reward, started, decision, reason, infra):
    v = decide(etype, has_reward, started)
    assert (v.decision, v.reason) == (decision, reason)
    if decision == "mask":
        assert v.infra == infra and (reason in POLICY_REASONS) == (not infra)


def test_every_harbor_type_and_own_type_has_a_decision():
    """No exception Harbor knows falls through: each maps to keep/mask with a reason, never a crash."""
    for name, policy in ERROR_POLICIES.items():
        for has_reward in (True, False):
            v = decide(name, has_reward, True)
            assert v.decision in ("keep", "mask"), name
            if v.decision == "keep":
                assert has_reward and policy.cause in (FailureCause.AGENT_REFUSED_TASK, FailureCause.UNCLASSIFIED), name
            else:
                assert v.reason, name
    for name in OWN_REASONS:
        assert decide(name, False, True).infra
    for name in BUG_TYPES:
        assert decide(name, True, True).decision == "raise"


def test_retry_only_before_the_agent_ran():
    assert decide("EnvironmentStartTimeoutError", False, False).retry
    assert not decide("EnvironmentStartTimeoutError", False, True).retry
    assert not decide("SandboxBuildFailedError", False, False).retry  # a broken Dockerfile stays broken
    assert not decide("AuthenticationError", False, False).retry


def _out(i: int, reason: str = "", error: str = "") -> TrialOutcome:
    return TrialOutcome(
        trial_id=f"t{i}",
        task_id="x",
        group="g",
        reward=None if reason else 1.0,
        masked=bool(reason),
        mask_reason=reason,
        error=error,
        trial_dir=Path(f"/tmp/t{i}"),
    )


def test_step_gate_fails_on_infra_masks_only():
    check_step([_out(0), _out(1, "proxy_error"), _out(2, "agent_timeout"), _out(3, "agent_timeout")], 0.5)
    check_step([_out(0, "tail_killed"), _out(1, "deadline")], 0.0)  # policy-caused: never fails a run
    with pytest.raises(RunCannotTrain) as e:
        check_step(
            [
                _out(0, "proxy_error", "HTTP 401 from http://x/v1: missing or wrong proxy key\nmore"),
                _out(1, "proxy_error"),
                _out(2),
            ],
            0.5,
        )
    msg = str(e.value)
    assert "\n" not in msg and "2/3" in msg and "t0 proxy_error: HTTP 401" in msg and "max_masked_fraction=0.5" in msg
    check_step([_out(0, "proxy_error"), _out(1, "sandbox_died")], 1.0)
    check_step([], 0.0)
