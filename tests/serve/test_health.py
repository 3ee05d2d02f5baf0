"""`swerl health` reads the newest step's tokens.jsonl: a warning when no tool call was parsed (the parser
mismatch symptom), and a throughput line. The proxy URL points at a closed port (the chain is down), so
only the file checks are exercised here; the live checks run in test_chain."""

from __future__ import annotations

import socket

import typer
import yaml
from typer.testing import CliRunner

from swerl.config.paths import trial_dir
from swerl.serve.gateway.records import RecordWriter, TokenRecord
from swerl.serve.health import health


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rec(trial: str, tools: int, toks: int, t0: float, t1: float) -> TokenRecord:
    return TokenRecord(
        call_id="c",
        trial_id=trial,
        segment=0,
        new_segment=True,
        prompt_ids=[1],
        response_ids=[2] * toks,
        response_logprobs=[-0.1] * toks,
        finish_reason="stop",
        num_tool_calls=tools,
        prompt_tokens=1,
        completion_tokens=toks,
        t_start=t0,
        t_end=t1,
    )


def _run(tmp_path, records: list[TokenRecord]) -> str:
    cfg = {
        "runtime_info": {
            "input": {
                "model": {},
                "data": {},
                "experiment": {"output_root": str(tmp_path / "out"), "project_name": "p", "exp_name": "e"},
            }
        }
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    trials = tmp_path / "out" / "trials" / "p" / "e"
    w = RecordWriter(trials)
    for r in records:
        w.write(r)
    app = typer.Typer()
    app.command()(health)
    app.command("noop")(lambda: None)  # two commands: typer keeps `health` as a sub-command name
    res = CliRunner().invoke(
        app, ["health", "-c", str(path), "--url", f"http://127.0.0.1:{_closed_port()}"], env={"COLUMNS": "250"}
    )
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), (res.output, res.exception)  # proxy down
    assert trial_dir(trials, records[0].trial_id).exists()
    return res.output


def test_health_warns_when_newest_step_parsed_no_tool_calls(tmp_path):
    out = _run(
        tmp_path,
        [
            _rec("step1-a-0-aaaa", 2, 10, 100.0, 101.0),  # an older step did call tools
            _rec("step2-a-0-bbbb", 0, 30, 200.0, 202.0),
            _rec("step2-b-0-cccc", 0, 10, 201.0, 204.0),
        ],
    )
    assert "step 2: 2 trials, 2 calls, 0 tool calls parsed" in out and "warn" in out
    assert "tool_call_parser='hermes'" in out
    assert "10.0 tokens/s (40 tokens in 4.0 s" in out  # 40 tokens over 200 → 204 s
    assert "median call 9.2 tokens/s" in out  # median of 15 and 3.33


def test_health_reports_tool_calls_when_present(tmp_path):
    out = _run(tmp_path, [_rec("step3-a-0-aaaa", 1, 8, 0.0, 2.0), _rec("step3-b-0-bbbb", 0, 8, 0.0, 2.0)])
    assert "step 3: 2 trials, 2 calls, 1 tool calls (1/2 trials)" in out
    assert "0 tool calls parsed" not in out
    assert "8.0 tokens/s" in out
