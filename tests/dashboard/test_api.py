"""The HTTP API of the real server (threaded, free port) against the recorded run tree."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from tests.dashboard.make_fixture import EXP, OLD_EXP

MASKED = "step2-fix-off-by-one-1-0046"


def get(base: str, path: str, status: int = 200) -> dict:
    r = httpx.get(base + path, timeout=10)
    assert r.status_code == status, (path, r.status_code, r.text[:300])
    return r.json()


def test_config_and_runs(served):
    base, root = served
    cfg = get(base, "/api/config")
    assert cfg["ok"] is True and cfg["root"] == str(root.resolve())
    runs = get(base, "/api/runs")["runs"]
    assert [r["name"] for r in runs] == [EXP, OLD_EXP] or [r["name"] for r in runs] == [OLD_EXP, EXP]
    row = next(r for r in runs if r["name"] == EXP)
    assert row["num_steps"] == 12 and row["state"] == "finished" and 0 < row["last_score"] <= 1


def test_metrics_filter_prefix_and_since(served):
    base, _ = served
    m = get(base, f"/api/runs/{EXP}/metrics?keys=critic/score/mean,timing_s/*")
    assert m["steps"] == list(range(1, 13)) and len(m["time"]) == 12 and m["time"][0] > 100
    assert set(m["series"]) == {
        "critic/score/mean",
        "timing_s/gen",
        "timing_s/reward",
        "timing_s/old_log_prob",
        "timing_s/adv",
        "timing_s/update_actor",
        "timing_s/step",
    }
    assert "actor/entropy" in m["keys"] and "throughput/tokens_per_s" not in m["keys"]  # the vllm log is skipped
    tail = get(base, f"/api/runs/{EXP}/metrics?keys=critic/score/mean&since=10")
    assert tail["steps"] == [11, 12] and tail["series"]["critic/score/mean"] == m["series"]["critic/score/mean"][-2:]
    get(base, f"/api/runs/{EXP}/metrics?since=abc", 400)
    get(base, "/api/runs/nope/metrics", 404)


def test_trials_of_a_step_with_reward_mask_and_token_counts(served):
    base, _ = served
    assert get(base, f"/api/runs/{EXP}/steps")["steps"] == [1, 2, 3]
    rows = {t["trial"]: t for t in get(base, f"/api/runs/{EXP}/steps/2/trials")["trials"]}
    assert len(rows) == 4
    masked = rows[MASKED]
    assert masked["masked"] is True and masked["mask_reason"] == "agent_timeout" and masked["reward"] is None
    assert masked["error"] == "AgentTimeoutError"
    ok = rows["step2-hello-world-1-003f"]
    assert ok["reward"] == 1.0 and ok["num_calls"] == 3
    assert ok["tokens"] == {
        "calls": 3,
        "prompt_tokens": 410 + 470 + 530,
        "completion_tokens": 24 + 31 + 38,
        "segments": 1,
    }
    get(base, f"/api/runs/{EXP}/steps/99/trials", 404)
    assert get(base, f"/api/runs/{OLD_EXP}/steps")["steps"] == []


def test_trajectory_turns_tool_calls_and_results(served):
    base, _ = served
    tj = get(base, f"/api/trajectory?run={EXP}&step=2&trial={MASKED}")
    assert tj["masked"] and len(tj["turns"]) == 3
    t0, t1, t2 = tj["turns"]
    assert [m["role"] for m in t0["new_messages"]] == ["system", "user"]
    assert t0["response"]["tool_calls"][0]["name"] == "bash"
    assert json.loads(t0["response"]["tool_calls"][0]["arguments"]) == {"command": "ls -la /app"}
    assert [m["role"] for m in t1["new_messages"]] == ["tool"]  # only what is new since the last call
    assert t1["new_messages"][0]["tool_call_id"] == "call_0001" and "drwxr-xr-x" in t1["new_messages"][0]["content"]
    assert t2["response"]["finish_reason"] == "stop" and t2["usage"]["prompt_tokens"] == 530
    assert t0["latency_s"] == 1.25
    get(base, f"/api/trajectory?run={EXP}&step=2&trial=..", 400)
    get(base, f"/api/trajectory?run=..&step=2&trial={MASKED}", 400)
    get(base, "/api/runs/..%2F..%2Fetc/steps", 400)
    get(base, f"/api/trajectory?run={EXP}&step=x&trial={MASKED}", 400)


def test_search_by_task_id(served):
    base, _ = served
    found = get(base, f"/api/runs/{EXP}/search?q=OFF-BY-ONE")["trials"]
    assert len(found) == 6 and {t["step"] for t in found} == {1, 2, 3}
    assert all(t["task"] == "fix-off-by-one" for t in found)
    assert get(base, f"/api/runs/{EXP}/search?q=zzz")["trials"] == []


def test_partial_and_anthropic_trajectory_lines(served):
    """A trial still running ends mid-line; a Claude Code trial logs Anthropic content blocks."""
    base, root = served
    d = root / "trials" / "swerl" / EXP / "step_3" / "step3-claude-0-beef"
    d.mkdir()
    rec = {
        "messages": [{"role": "user", "content": [{"type": "text", "text": "fix it"}]}],
        "system": "you are claude",
        "response": {
            "type": "message",
            "role": "assistant",
            "stop_reason": "tool_use",
            "content": [
                {"type": "text", "text": "running"},
                {"type": "tool_use", "id": "tu_1", "name": "Bash", "input": {"command": "ls"}},
            ],
        },
    }
    rec2 = {
        "messages": rec["messages"]
        + [
            {"role": "assistant", "content": rec["response"]["content"]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "tu_1", "content": "a.py"}]},
        ],
        "system": "you are claude",
        "response": {"type": "message", "content": [{"type": "text", "text": "done"}]},
    }
    (d / "litellm-trajectory.jsonl").write_text(json.dumps(rec) + "\n" + json.dumps(rec2) + "\n" + '{"messages": [{"ro')
    tj = get(base, f"/api/trajectory?run={EXP}&step=3&trial=step3-claude-0-beef")
    assert len(tj["turns"]) == 2 and tj["reward"] is None and tj["tokens"] == {}
    assert [m["role"] for m in tj["turns"][0]["new_messages"]] == ["system", "user"]
    assert tj["turns"][0]["response"]["tool_calls"] == [
        {"id": "tu_1", "name": "Bash", "arguments": '{"command": "ls"}'}
    ]
    tool = tj["turns"][1]["new_messages"]
    assert tool == [{"role": "tool", "content": "a.py", "tool_calls": [], "tool_call_id": "tu_1"}]


def test_large_responses_are_gzipped_and_static_files_served(served):
    base, _ = served
    r = httpx.get(base + f"/api/runs/{EXP}/metrics", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.json()["steps"][-1] == 12
    assert "swerl-mode" in httpx.get(base + "/").text
    assert httpx.get(base + "/app.js").status_code == 200
    assert "root:" not in httpx.get(base + "/..%2f..%2fetc/passwd").text
    assert httpx.get(base + "/nope.js").status_code == 404


def test_empty_logs_dir(tmp_path: Path):
    from swerl.dashboard.api import Api

    api = Api(tmp_path)
    assert api.handle("/api/runs", {}) == (200, {"runs": []})
    assert api.handle(f"/api/runs/{EXP}/steps", {})[1]["steps"] == []
    assert api.handle("/nope", {})[0] == 404


def test_outcome_json_wins_running_trial_and_failed_call(served):
    """The runner's own verdict (outcome.json, e.g. tail-killed) beats result.json; a trial without result.json
    is still running (no reward, not masked); a failed proxy call shows its error."""
    base, root = served
    step = root / "trials" / "swerl" / EXP / "step_1"
    (step / "step1-hello-world-0-001f" / "outcome.json").write_text(
        json.dumps(
            {
                "trial_id": "step1-hello-world-0-001f",
                "task_id": "hello-world",
                "group": "g",
                "reward": None,
                "masked": True,
                "mask_reason": "tail_killed",
                "trial_dir": "x",
                "duration_s": 61.5,
            }
        )
    )
    live = step / "step1-hello-world-9-aaaa"
    live.mkdir()
    (live / "litellm-trajectory.jsonl").write_text(
        json.dumps(
            {
                "trial_id": live.name,
                "request": {"messages": [{"role": "user", "content": "hi"}]},
                "response": None,
                "usage": None,
                "error": "APIConnectionError: gateway unreachable",
                "t_start": 1.0,
                "t_end": 3.5,
            }
        )
        + "\n"
    )
    (live / "tokens.jsonl").write_text(
        '{"call_id": "c1", "segment": 0, "prompt_tokens": 5, "completion_tokens": 2}\n{"call_id": "c2", "seg'
    )
    rows = {t["trial"]: t for t in get(base, f"/api/runs/{EXP}/steps/1/trials")["trials"]}
    killed = rows["step1-hello-world-0-001f"]
    assert (killed["masked"], killed["mask_reason"], killed["reward"], killed["duration_s"]) == (
        True,
        "tail_killed",
        None,
        61.5,
    )
    running = rows[live.name]
    assert (running["finished"], running["masked"], running["reward"]) == (False, False, None)
    assert running["tokens"] == {
        "calls": 1,
        "prompt_tokens": 5,
        "completion_tokens": 2,
        "segments": 1,
    }  # partial line waits
    tj = get(base, f"/api/trajectory?run={EXP}&step=1&trial={live.name}")
    assert tj["turns"][0]["error"].startswith("APIConnectionError") and tj["turns"][0]["latency_s"] == 2.5
