"""The evaluation report (`swerl eval`, and the local trainer's validation): pass@k with the unbiased estimator,
per-task counts, trial failures by reason, the sampling used. Written as `report.json` (this model) + `report.md`
under `artifacts/evals/<utc>_<name>/`; the dashboard lists evals from these files."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

EVALS_DIR = Path("artifacts") / "evals"
"""Under `experiment.output_root`: one dir per eval, `<YYYYmmdd-HHMMSS>_<name>/`."""
REPORT_JSON = "report.json"
REPORT_MD = "report.md"


def pass_at_k(n: int, c: int, k: int) -> float:
    """Chen et al. 2021's unbiased pass@k of one task with `n` graded samples, `c` of them correct:
    1 − C(n−c, k) / C(n, k), as the stable product 1 − Π_{i=n−c+1..n} (1 − k/i). Needs 1 ≤ k ≤ n."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (got n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def ks_for(samples: int) -> list[int]:
    """The k values a report carries: 1, the powers of 2 below `samples`, and `samples`."""
    ks = {1, samples}
    k = 2
    while k < samples:
        ks.add(k)
        k *= 2
    return sorted(ks)


class TaskResult(BaseModel):
    task: str
    """The task's instance id."""
    n: int
    """Graded samples (trials with a reward; masked trials are not samples)."""
    correct: int
    """Samples with reward ≥ the report's threshold (1.0 for the shipped 0/1 graders)."""
    masked: int = 0
    """Trials of this task that were masked (infrastructure, timeout, …) — in `failures` by reason."""
    reward_sum: float = 0.0


class EvalReport(BaseModel):
    name: str
    model: str
    """The model evaluated: the config's model_path, or the checkpoint's weights dir."""
    checkpoint: str = ""
    """The checkpoint given (empty = the base model)."""
    tasks: str
    """The task index or task dir evaluated."""
    samples_per_task: int
    temperature: float
    """The sampling temperature asked for (0 = greedy)."""
    top_p: float = 1.0
    pass_at: dict[str, float] = {}
    """k (as a string) → mean over tasks with ≥ k graded samples of the unbiased pass@k."""
    per_task: list[TaskResult] = []
    failures: dict[str, int] = {}
    """Masked trials by reason (`proxy_error`, `deadline`, `sandbox_died`, …)."""
    created: str = ""
    """UTC, `YYYY-MM-DDTHH:MM:SSZ`."""
    trials: int = 0
    reward_mean: float = 0.0
    """Mean reward over graded trials."""
    threshold: float = 1.0
    sampling_used: dict[str, list[float]] = Field(default_factory=dict)
    """The distinct temperature / top_p values the gateway's token records show for these trials' model calls
    (what was really sampled with; empty when no call was recorded)."""
    model_calls: int = 0
    """Model calls recorded in the trials' tokens.jsonl."""
    trials_dir: str = ""
    step: int = 0
    """The training step a validation ran after (0 for `swerl eval`)."""

    @classmethod
    def build(cls, per_task: list[TaskResult], samples_per_task: int, **fields) -> "EvalReport":
        """A report whose pass@k, reward mean and failure-free counts derive from `per_task`."""
        graded = sum(t.n for t in per_task)
        pass_at = {}
        for k in ks_for(samples_per_task):
            vals = [pass_at_k(t.n, t.correct, k) for t in per_task if t.n >= k]
            if vals:
                pass_at[str(k)] = sum(vals) / len(vals)
        return cls(
            per_task=per_task,
            samples_per_task=samples_per_task,
            pass_at=pass_at,
            trials=sum(t.n + t.masked for t in per_task),
            reward_mean=sum(t.reward_sum for t in per_task) / graded if graded else 0.0,
            **fields,
        )

    def to_markdown(self) -> str:
        greedy = " (greedy)" if self.temperature == 0 else ""
        lines = [
            f"# eval {self.name}",
            "",
            f"- created: {self.created}",
            f"- model: `{self.model}`" + (f" (checkpoint `{self.checkpoint}`)" if self.checkpoint else ""),
            f"- tasks: `{self.tasks}` ({len(self.per_task)} tasks × {self.samples_per_task} samples, "
            f"{self.trials} trials)",
            f"- sampling asked: temperature {self.temperature}{greedy}, top_p {self.top_p}",
            f"- sampling used (token records, {self.model_calls} calls): "
            + (", ".join(f"{k} {v}" for k, v in self.sampling_used.items()) or "no call recorded"),
            f"- reward mean: {self.reward_mean:.4f}",
            "",
            "| k | pass@k |",
            "|---|---|",
            *(f"| {k} | {v:.4f} |" for k, v in self.pass_at.items()),
            "",
            "| task | n | correct | masked |",
            "|---|---|---|---|",
            *(f"| {t.task} | {t.n} | {t.correct} | {t.masked} |" for t in self.per_task),
            "",
            "| failure | trials |",
            "|---|---|",
            *(f"| {r} | {n} |" for r, n in sorted(self.failures.items())),
        ]
        if not self.failures:
            lines.append("| (none) | 0 |")
        return "\n".join(lines) + "\n"
