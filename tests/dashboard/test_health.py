"""Dashboard health: advisories fire exactly above their thresholds (at the latest step; counted over all steps),
the async panel comes from the async metrics (none for a sync run), legacy metric names still count, the static
export carries health.json, `swerl dashboard summary`'s lines show the warnings, and eval reports are listed.
Logs are written with the one step-line formatter (swerl.models.logline.format_step) into a real run tree."""

from __future__ import annotations

import json
from pathlib import Path

from swerl.dashboard import health
from swerl.dashboard.api import Api
from swerl.dashboard.summary import health_lines
from swerl.models.logline import format_step


def write_run(root: Path, name: str, rows: list[dict]) -> None:
    (root / "logs").mkdir(parents=True, exist_ok=True)
    with open(root / "logs" / f"{name}.log", "a") as f:
        for step, m in enumerate(rows, 1):
            f.write(format_step(step, {"critic/score/mean": 0.5, "timing_s/step": 10.0, **m}) + "\n")


def advisories(root: Path, name: str) -> dict[str, dict]:
    status, body = Api(root).handle(f"/api/runs/{name}/health", {})
    assert status == 200, body
    return {a["id"]: a for a in body["advisories"]}


def test_advisories_fire_above_their_thresholds(tmp_path):
    at = {  # exactly at each threshold: no advisory
        "rollout/zero_std_fraction": health.ZERO_STD_WARN,
        "response_length/clip_ratio": health.TRUNCATED_WARN,
        "rollout/masked_fraction": health.MASKED_WARN,
        "actor/grad_norm": 1e-6,
        "async/idle_ratio": health.IDLE_RATIO_WARN,
        "rollout/filter_short": 0.0,
        "rollout/tool_parse_fail_rate": health.TOOL_PARSE_FAIL_WARN,
        "rollout/loop_lag_ms_max": 5000.0,
    }
    over = {
        "rollout/zero_std_fraction": 0.75,
        "response_length/clip_ratio": 0.3,
        "rollout/masked_fraction": 0.25,
        "actor/grad_norm": 0.0,
        "async/idle_ratio": 0.6,
        "rollout/filter_short": 1.0,
        "rollout/tool_parse_fail_rate": 0.5,
        "rollout/loop_lag_ms_max": 9000.0,
    }
    write_run(tmp_path, "at", [over, at])  # crossed at step 1, but the latest step is fine
    assert advisories(tmp_path, "at") == {}
    write_run(tmp_path, "over", [at, over, over])
    got = advisories(tmp_path, "over")
    assert set(got) == {r.id for r in health.RULES}
    z = got["zero_variance_groups"]
    assert z["step"] == 3 and z["value"] == 0.75 and z["steps_over"] == 2 and z["steps_with_metric"] == 3
    assert z["level"] == "warning" and "75% of groups have zero reward variance (> 50%)" in z["message"]
    assert got["grad_norm_zero"]["value"] == 0.0 and got["masked"]["threshold"] == health.MASKED_WARN
    assert "lagged up to 9000 ms (> 5000)" in got["loop_lag"]["message"]

    one = dict(at, **{"rollout/masked_fraction": 0.21})  # only one metric over
    write_run(tmp_path, "one", [one])
    assert set(advisories(tmp_path, "one")) == {"masked"}


def test_legacy_names_still_count(tmp_path):
    write_run(tmp_path, "old", [{"rollout/masked_ratio": 0.5, "rollout/num_trials": 16}])
    assert set(advisories(tmp_path, "old")) == {"masked"}


def test_async_panel_and_sync_run(tmp_path):
    rows = [
        {"timing_s/trainer_idle": 6.0, "async/idle_ratio": 0.6, "async/staleness_mean": 0.0, "async/staleness_max": 0},
        {"timing_s/trainer_idle": 1.0, "async/idle_ratio": 0.1, "async/staleness_mean": 0.5, "async/staleness_max": 1},
        {"timing_s/trainer_idle": 0.0, "async/idle_ratio": 0.0, "async/staleness_mean": 1.0, "async/staleness_max": 1},
    ]
    for r in rows:
        r["async/dropped_stale"] = 0.0
    write_run(tmp_path, "async", rows)
    write_run(tmp_path, "sync", [{"actor/grad_norm": 0.3}])
    api = Api(tmp_path)
    _, body = api.handle("/api/runs/async/health", {})
    p = body["async"]
    assert p["steps"] == [1, 2, 3] and p["trainer_idle_s"] == [6.0, 1.0, 0.0] and p["idle_ratio"] == [0.6, 0.1, 0.0]
    assert p["staleness_max"] == [0, 1, 1] and p["summary"]["staleness_max"] == 1
    assert abs(p["summary"]["idle_ratio_mean"] - 0.7 / 3) < 1e-9 and p["summary"]["trainer_idle_s_total"] == 7.0
    assert api.handle("/api/runs/sync/health", {})[1]["async"] is None
    assert api.handle("/api/runs/nope/health", {})[0] == 404
    lines = health_lines(body)
    assert any(ln.startswith("  async: trainer idle 7s over 3 steps") for ln in lines), lines
    assert any("staleness mean 0.50 max 1" in ln for ln in lines), lines


def test_summary_lines_and_static_export(tmp_path, run_root):
    write_run(run_root, "bad", [{"rollout/zero_std_fraction": 0.9, "actor/grad_norm": 0.0}])
    _, body = Api(run_root).handle("/api/runs/bad/health", {})
    lines = health_lines(body)
    assert sum(ln.startswith("  WARNING step 1:") for ln in lines) == 2, lines
    _, fine = Api(run_root).handle("/api/runs/harbor-cc-sync-1n-20261126-010203/health", {})
    assert fine["advisories"] == [] and health_lines(fine)[0].startswith("  health: no advisory (thresholds:")

    from swerl.dashboard.publish import export

    out = tmp_path / "site"
    export(run_root, out, ["bad"], trajectories=False)
    exported = json.loads((out / "data" / "runs" / "bad" / "health.json").read_text())
    assert {a["id"] for a in exported["advisories"]} == {"zero_variance_groups", "grad_norm_zero"}


def test_evals_are_listed_newest_first(tmp_path):
    from swerl.models.eval import EVALS_DIR, REPORT_JSON, EvalReport, TaskResult

    for stamp, name, correct in (("20261201-100000", "base", 1), ("20261201-120000", "step4", 3)):
        d = tmp_path / EVALS_DIR / f"{stamp}_{name}"
        d.mkdir(parents=True)
        r = EvalReport.build(
            [TaskResult(task="t1", n=4, correct=correct, reward_sum=float(correct))],
            4,
            name=name,
            model="smollm2",
            tasks="tasks/easy",
            temperature=0.0,
            created=stamp,
        )
        (d / REPORT_JSON).write_text(r.model_dump_json())
    broken = tmp_path / EVALS_DIR / "20261201-110000_broken"
    broken.mkdir()
    (broken / REPORT_JSON).write_text("{not json")
    status, body = Api(tmp_path).handle("/api/evals", {})
    assert status == 200
    rows = body["evals"]
    assert [r["dir"].split("/")[-1] for r in rows] == [
        "20261201-120000_step4",
        "20261201-110000_broken",
        "20261201-100000_base",
    ]
    assert rows[0]["pass_at"]["1"] == 0.75 and rows[2]["pass_at"]["1"] == 0.25 and rows[0]["model"] == "smollm2"
    assert "error" in rows[1] and "pass_at" not in rows[1]
    assert Api(tmp_path / "empty").handle("/api/evals", {}) == (200, {"evals": []})
