"""Log parsing: verl's real step lines, partial last lines, garbage, incremental reads, a 10 000-step log."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
from tests.dashboard.make_fixture import write_big_log

from swerl.dashboard.api import Api
from swerl.dashboard.logparse import LogFile, exp_from_header, extract, parse_metrics, parse_step_line
from swerl.dashboard.server import to_json


def test_parses_verl_format_with_numpy_values_and_ray_prefix():
    from verl.utils.logger.aggregate_logger import concat_dict_to_str  # verl's own writer (imports torch: slow)

    line = concat_dict_to_str(
        {
            "critic/score/mean": np.float64(0.25),
            "actor/kl_loss": np.float32(0.001),
            "training/global_step": 7,
            "actor/entropy": float("nan"),
            "perf/mfu/actor": 0.31,
            "note": "text is skipped",
        },
        step=7,
    )
    assert line.startswith("step:7 - critic/score/mean:np.float64(0.25)")
    step, m = parse_step_line(f"(TaskRunner pid=4821) {line}\n")
    assert step == 7
    assert m["critic/score/mean"] == 0.25 and m["perf/mfu/actor"] == 0.31 and m["training/global_step"] == 7
    assert math.isclose(m["actor/kl_loss"], 0.001, rel_tol=1e-6)
    assert math.isnan(m["actor/entropy"]) and "note" not in m


def test_rejects_lines_that_are_not_metric_lines():
    for junk in [
        "",
        "INFO harbor: step 3 finished",
        "restep:3 - a:1",
        "step:x - a:1",
        "\x00\xff garbage step:",
        "step:3",
        "2026 WARNING: timestep:12 - x:1",
    ]:
        assert parse_step_line(junk) is None, junk
    step, m = parse_step_line("step:3 - a:1 - broken - b:np.float64(oops) - c:2e-3")
    assert step == 3 and m == {"a": 1.0, "c": 0.002}


def test_extract_matches_whole_keys_only():
    raw = " - actor/kl_loss_coef:np.float64(9.0) - actor/kl_loss:np.float64(0.5) - x:nan"
    assert extract(raw, "actor/kl_loss") == 0.5 and extract(raw, "kl_loss") is None and extract(raw, "missing") is None
    assert math.isnan(extract(raw, "x"))


def test_exp_header():
    assert (
        exp_from_header("x\n[sync_1node_cc] exp=harbor-cc-sync-1n-20261126-010203\n")
        == "harbor-cc-sync-1n-20261126-010203"
    )
    assert exp_from_header("[sync_1node_cc] starting\nno name here") is None


def test_incremental_refresh_waits_for_the_partial_last_line(tmp_path: Path):
    p = tmp_path / "exp.log"
    p.write_text("step:1 - a:1.0\nstep:2 - a:2")
    lf = LogFile(p)
    lf.refresh()
    assert sorted(lf.steps) == [1]  # step 2 is still being written
    with p.open("a") as f:
        f.write(".5 - b:3\ngarbage \xff\nstep:3 - a:3.0\n")
    assert lf.refresh()
    assert parse_metrics(lf.steps[2]) == {"a": 2.5, "b": 3.0} and extract(lf.steps[3], "a") == 3.0
    assert set(lf.keys) == {"a", "b"}
    assert lf.tail[-1] == "step:3 - a:3.0"
    assert not lf.refresh()  # nothing new
    p.write_text("step:9 - a:9\n")  # truncated / rotated: read again from the start
    lf.refresh()
    assert sorted(lf.steps) == [9]


def test_10k_step_log_loads_in_under_2_seconds(tmp_path: Path):
    (tmp_path / "logs").mkdir()
    log = tmp_path / "logs" / "big.log"
    write_big_log(log, 10_000)
    size_mb = log.stat().st_size / 1e6
    t0 = time.perf_counter()
    api = Api(tmp_path)
    status, runs = api.handle("/api/runs", {})
    status, m = api.handle("/api/runs/big/metrics", {"keys": "critic/score/mean,actor/kl_loss,timing_s/*"})
    body = to_json(m)
    cold = time.perf_counter() - t0
    assert status == 200 and runs["runs"][0]["num_steps"] == 10_000
    assert len(m["steps"]) == 10_000 and m["steps"][-1] == 10_000 and len(m["series"]["critic/score/mean"]) == 10_000
    assert json.loads(body)["steps"][0] == 1
    t1 = time.perf_counter()
    api.handle("/api/runs/big/metrics", {"keys": "critic/score/mean"})
    warm = time.perf_counter() - t1
    print(
        f"10k-step log ({size_mb:.1f} MB, {len(m['keys'])} metrics/step): cold {cold:.2f} s, cached {warm * 1000:.0f} ms"
    )
    # timings are printed, not asserted (benchmarks are not tests; bench/ has the numbers)
