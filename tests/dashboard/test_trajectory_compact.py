"""The dashboard shows a trial whose trajectory log stores shared history once (the proxy's size policy) and
one cut by the size cap exactly like a full log: per call, the messages new since the previous call."""

from __future__ import annotations

import json

from swerl.dashboard.trials import load_trajectory, trial_summary


def test_compacted_and_truncated_trajectory(tmp_path):
    d = tmp_path / "trials" / "proj" / "exp" / "step_1" / "step1-t-0-abcd"
    d.mkdir(parents=True)
    m = [{"role": "user", "content": "go"}, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "more"}]
    lines = [
        {"litellm_call_id": "a", "request": {"messages": m[:1]}, "response": None},
        {"litellm_call_id": "b", "request": {"messages": m[1:]}, "history": {"ref": "a", "messages": 1}},
        {"swerl_truncated": True, "trial_id": d.name, "max_bytes": 100},
    ]
    (d / "litellm-trajectory.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    out = load_trajectory(tmp_path, "exp", 1, d.name)
    assert [[x["content"] for x in t["new_messages"]] for t in out["turns"]] == [["go"], ["more"]]
    assert not out["turns"][1]["history_rewritten"] and out["trajectory_truncated"]["max_bytes"] == 100
    assert trial_summary(d, 1)["num_calls"] == 2
