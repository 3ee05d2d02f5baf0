"""verl math through swerl's wrappers (group rules, bad names), the padding layout, and the step line."""

from __future__ import annotations

import pytest
import torch

from swerl.config.schema import AlgorithmSection
from swerl.train import algos


def test_grpo_groups_follow_verl():
    a = AlgorithmSection()
    mask = torch.ones(5, 3)
    scores = algos.token_level_scores(torch.tensor([1.0, 0.0, 1.0, 1.0, 1.0]), mask, torch.tensor([3, 3, 3, 2, 3]))
    assert scores[3].tolist() == [0.0, 1.0, 0.0]  # outcome reward on the last response token
    adv, _ = algos.advantages(a, scores, mask, ["g", "g", "same", "same", "single"])
    assert adv[0, 0] > 0 > adv[1, 0]  # better than its group → positive
    assert adv[2].abs().sum() == 0 and adv[3].abs().sum() == 0  # all-equal group → no signal
    assert torch.allclose(adv[4], torch.ones(3), atol=1e-4)  # singleton: verl's mean 0 / std 1 → its raw score


def test_a_multi_segment_trial_is_one_group_member():
    """Trial A has two segments (rows 0, 1), B and C one each: GRPO sees rewards [1, 0, 0] (one score per trial,
    as verl's v1 trainer), not [1, 1, 0, 0]; A's advantage reaches both of its rows."""
    a = AlgorithmSection()
    mask = torch.tensor([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    scores = algos.token_level_scores(torch.tensor([1.0, 1.0, 0.0, 0.0]), mask, torch.tensor([3, 3, 3, 3]))
    adv, _ = algos.advantages(a, scores, mask, ["g"] * 4, trials=["A", "A", "B", "C"])
    hi, lo = 2 / 3 / (1 / 3) ** 0.5, -(1 / 3) / (1 / 3) ** 0.5  # mean 1/3, std sqrt(1/3) → 1.155, -0.577
    assert adv[0].tolist() == pytest.approx([hi, hi, 0.0], abs=1e-4)
    assert adv[1].tolist() == pytest.approx([0.0, hi, hi], abs=1e-4)
    assert adv[2].tolist() == pytest.approx([lo] * 3, abs=1e-4) and adv[3].tolist() == pytest.approx([lo] * 3, abs=1e-4)
    per_row, _ = algos.advantages(a, scores, mask, ["g"] * 4)  # what counting segments as members gave
    assert per_row[0, 0].item() == pytest.approx(0.866, abs=1e-3)


def test_unknown_names_fail_when_the_section_is_built():
    """The config rule (swerl.models.names) is the only check: no name reaches the trainer unvalidated."""
    with pytest.raises(ValueError, match="unknown verl advantage estimator 'grpoo' — did you mean 'grpo'"):
        AlgorithmSection(adv_estimator="grpoo")
    with pytest.raises(ValueError, match="unknown verl policy loss 'gspoo' — did you mean 'gspo'"):
        AlgorithmSection(policy_loss_mode="gspoo")
    with pytest.raises(ValueError, match="seq-mean-token-mean"):
        AlgorithmSection(loss_agg_mode="seq-mean")


def test_gspo_and_vanilla_losses_from_verl_registry():
    a = algos.Algo(AlgorithmSection(policy_loss_mode="gspo", loss_agg_mode="seq-mean-token-mean"))
    old = torch.zeros(2, 4)
    new = torch.full((2, 4), 0.5, requires_grad=True)  # ratio e^0.5 > 1 + clip_high: clipped
    adv = torch.ones(2, 4)
    loss, m = algos.policy_loss(a, old, new, adv, torch.ones(2, 4), a.actor_config())
    assert m["actor/pg_clipfrac"] == 1.0 and loss.item() == pytest.approx(-1.28, abs=1e-4)


def test_collate_layout_and_rows():
    from swerl.train.batch import collate
    from swerl.models.trial import Sample

    s1 = Sample(
        trial_id="a",
        group="g",
        reward=1.0,
        prompt_ids=[5, 6, 7],
        response_ids=[8, 9],
        response_mask=[1, 1],
        response_logprobs=[-0.1, -0.2],
    )
    s2 = Sample(
        trial_id="b",
        group="g",
        reward=0.0,
        prompt_ids=[5],
        response_ids=[8, 9, 10, 11],
        response_mask=[1, 0, 0, 1],
        response_logprobs=[-0.1, 0.0, 0.0, -0.3],
    )
    b = collate([s1, s2], pad_id=0)
    assert b.prompts.tolist() == [[5, 6, 7], [0, 0, 5]]  # left-padded prompts
    assert b.responses.tolist() == [[8, 9, 0, 0], [8, 9, 10, 11]]  # right-padded responses
    assert b.position_ids[1].tolist()[2:] == [0, 1, 2, 3, 4]
    sub = b.rows([0])
    assert sub.prompts.shape == (1, 3) and sub.responses.tolist() == [[8, 9]]


def test_step_line_format_and_logs(tmp_path):
    from swerl.train.metrics import StepLogger
    import io

    buf = io.StringIO()
    log = StepLogger(tmp_path / "e.log", tmp_path / "e_vllm.log", out=buf)
    line = log.step(3, {"critic/score/mean": 0.25, "actor/pg_loss": -0.1, "perf/throughput": 12.5})
    log.close()
    assert line == "step:3 - actor/pg_loss:-0.1 - critic/score/mean:0.25 - perf/throughput:12.5"
    assert buf.getvalue().strip() == line and line in (tmp_path / "e.log").read_text()
    assert (tmp_path / "e_vllm.log").read_text().startswith("step:3 - perf/throughput:12.5")
