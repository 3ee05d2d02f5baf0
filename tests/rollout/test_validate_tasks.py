"""Every shipped task grades correctly: gold solution → 1.0, no-op → 0.0 (real Harbor, real Docker, in parallel)."""

import asyncio

import pytest

from swerl.rollout.images import BASE_PY, build_base_py, image_exists
from swerl.rollout.runner import RolloutSettings
from swerl.rollout.tasks import load_index
from swerl.rollout.validate import pass_at_k, validate_tasks

pytestmark = pytest.mark.integration


def test_all_shipped_tasks_grade_correctly(tmp_path):
    if not image_exists(BASE_PY):
        build_base_py()
    rows = load_index("tasks")
    s = RolloutSettings(trials_root=tmp_path, num_workers=12, max_retries=0, run_label="swerl-test-validate")
    checks = asyncio.run(validate_tasks(rows, s))
    bad = [(c.task_id, c.problem) for c in checks if c.problem]
    assert not bad, bad
    assert len(checks) == len(rows) >= 30


def test_pass_at_k():
    assert pass_at_k(4, 0, 1) == 0.0 and pass_at_k(4, 4, 2) == 1.0
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25) and pass_at_k(4, 1, 2) == pytest.approx(0.5)
