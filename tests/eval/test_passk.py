"""The unbiased pass@k estimator (Chen et al. 2021) against hand-computed values, and the report's aggregate."""

from __future__ import annotations

from math import comb

import pytest

from swerl.models.eval import EvalReport, TaskResult, ks_for, pass_at_k


@pytest.mark.parametrize(
    "n,c,k,want",
    [
        (5, 2, 1, 2 / 5),  # pass@1 = c/n
        (5, 2, 2, 1 - 3 / 10),  # 1 - C(3,2)/C(5,2)
        (5, 2, 3, 1 - 1 / 10),  # 1 - C(3,3)/C(5,3)
        (5, 2, 4, 1.0),  # n - c < k: every 4-subset holds a correct sample
        (10, 3, 5, 1 - 21 / 252),  # 1 - C(7,5)/C(10,5)
        (4, 0, 2, 0.0),
        (4, 4, 1, 1.0),
        (3, 1, 2, 1 - 1 / 3),  # 1 - C(2,2)/C(3,2)
    ],
)
def test_hand_computed(n, c, k, want):
    assert pass_at_k(n, c, k) == pytest.approx(want, abs=1e-12)


def test_matches_the_binomial_formula_on_a_grid():
    for n in range(1, 13):
        for c in range(n + 1):
            for k in range(1, n + 1):
                exact = 1 - comb(n - c, k) / comb(n, k)
                assert pass_at_k(n, c, k) == pytest.approx(exact, abs=1e-12), (n, c, k)


@pytest.mark.parametrize("n,c,k", [(3, 4, 1), (3, 1, 0), (3, 1, 4), (0, 0, 1)])
def test_bad_counts_raise(n, c, k):
    with pytest.raises(ValueError, match="pass@k needs"):
        pass_at_k(n, c, k)


def test_report_aggregates_over_tasks_with_enough_samples():
    per = [
        TaskResult(task="a", n=3, correct=2, reward_sum=2.0),
        TaskResult(task="b", n=3, correct=1, reward_sum=1.0),
        TaskResult(task="c", n=1, correct=1, masked=2, reward_sum=1.0),  # 2 masked: only n=1 graded
    ]
    r = EvalReport.build(per, 3, name="x", model="m", tasks="t", temperature=0.7)
    # pass@1 over all 3 tasks: (2/3 + 1/3 + 1) / 3; pass@2 over a, b only: (1 + 2/3) / 2; pass@3: (1 + 1) / 2
    assert r.pass_at == pytest.approx({"1": (2 / 3 + 1 / 3 + 1) / 3, "2": (1 + 2 / 3) / 2, "3": 1.0})
    assert r.trials == 9 and r.reward_mean == pytest.approx(4 / 7)
    md = r.to_markdown()
    assert "| 2 | 0.8333 |" in md and "| c | 1 | 1 | 2 |" in md


def test_ks():
    assert ks_for(1) == [1] and ks_for(3) == [1, 2, 3] and ks_for(16) == [1, 2, 4, 8, 16] and ks_for(5) == [1, 2, 4, 5]


def test_build_report_counts_masked_trials_as_failures_not_samples(tmp_path):
    from swerl.eval.trials import build_report, val_metrics
    from swerl.rollout.outcome import TrialOutcome
    from swerl.rollout.tasks import TaskRow

    rows = [TaskRow(instance_id=t, task_path=tmp_path, instruction="", data_source="") for t in ("a", "b")]

    def out(task, reward=None, reason=""):
        return TrialOutcome(
            trial_id=f"step0-eval-{task}-0-x", task_id=task, group=task, reward=reward, masked=bool(reason),
            mask_reason=reason, trial_dir=tmp_path / "none", duration_s=1.0,
        )  # fmt: skip

    outs = [out("a", 1.0), out("a", 0.0), out("a", reason="deadline"), out("b", reason="proxy_error")]
    outs += [out("b", reason="deadline")]
    r = build_report(outs, rows, 3, name="n", model="m", tasks="t", temperature=0.0)
    assert {t.task: (t.n, t.correct, t.masked) for t in r.per_task} == {"a": (2, 1, 1), "b": (0, 0, 2)}
    assert r.failures == {"deadline": 2, "proxy_error": 1} and r.trials == 5
    assert r.pass_at == pytest.approx({"1": 0.5, "2": 1.0})  # b has no graded sample; k = 3 > a's n
    m = val_metrics(r)
    assert m["val/pass@1"] == 0.5 and m["val/reward_mean"] == 0.5 and m["val/masked"] == 3.0
    assert "val/pass@3" not in m  # no task had 3 graded samples
