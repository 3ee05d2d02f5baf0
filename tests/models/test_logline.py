"""The one step-line formatter/parser: verl's exact format, and every reader (run layer, verl launcher,
dashboard) parses the same values — `np.float64(2.0)` included."""

from __future__ import annotations

import numpy as np
from verl.utils.logger.aggregate_logger import concat_dict_to_str

from swerl.dashboard import logparse
from swerl.models import logline
from swerl.run import logs
from swerl.train.verl_engine.launch import parse_step_line as verl_parse

METRICS = {
    "critic/score/mean": np.float64(2.0),
    "actor/entropy": 0.5,
    "n": 3,
    "timing_s/step": float("nan"),
    "note": "text",
}


def test_format_is_verls():
    assert logline.format_step(7, METRICS) == concat_dict_to_str(dict(sorted(METRICS.items())), step=7)


def test_every_reader_agrees_including_numpy_values():
    line = "\x1b[36m(TaskRunnerV1 pid=12)\x1b[0m " + logline.format_step(7, METRICS) + "\n"
    want = {"critic/score/mean": 2.0, "actor/entropy": 0.5, "n": 3.0}
    for parsed in (logs.parse_step(line), logparse.parse_step_line(line), verl_parse(line)[:2]):
        step, m = parsed
        assert step == 7 and {k: m[k] for k in want} == want and m["timing_s/step"] != m["timing_s/step"]
        assert "note" not in m
    assert verl_parse(line)[2].startswith("step:7 - ")


def test_not_step_lines():
    for text in ("", "no step here", "mystep:3 - a:1", "step:x - a:1", "[sync_1node_cc] exp=foo"):
        assert logline.parse_step_line(text) is None and logs.parse_step(text) is None


def test_exp_line_round_trip():
    assert logline.exp_from_text("noise\n" + logline.exp_line("harbor-cc-1") + "\nmore") == "harbor-cc-1"
    assert logline.reward_of({"critic/score/mean": 0.5}) == ("critic/score/mean", 0.5)
