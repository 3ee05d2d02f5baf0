"""The proxy's `litellm-trajectory.jsonl` size policy: a call stores only the messages it adds to an earlier
call's history (main conversation and side calls interleaved), `read_trajectory` rebuilds every full request,
and a per-trial byte cap ends the file with one marker line."""

from __future__ import annotations

import json

from swerl.config.paths import trial_dir
from swerl.models.trial import TRAJECTORY_FILE, read_trajectory

TRIAL = "step1-traj-0-abcd"
TOOLS = [{"type": "function", "function": {"name": "bash", "description": "x" * 2000, "parameters": {}}}]


def _hooks(tmp_path, monkeypatch, max_bytes: int | None = None):
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm's import: no network fetch
    from swerl.serve.proxy.callbacks import MAX_BYTES_ENV, SwerlProxyHooks

    monkeypatch.setenv("SWERL_TRIALS_ROOT", str(tmp_path))
    if max_bytes is not None:
        monkeypatch.setenv(MAX_BYTES_ENV, str(max_bytes))
    return SwerlProxyHooks()


async def _log(hooks, n: int, request: dict) -> None:
    kwargs = {
        "litellm_params": {"proxy_server_request": {"headers": {"x-swerl-trial-id": TRIAL}}},
        "litellm_call_id": f"lc-{n}",
        "model": "hosted_vllm/m",
        "additional_args": {"complete_input_dict": request},
    }
    response = {"id": f"chatcmpl-{n}", "choices": [{"message": {"role": "assistant", "content": f"reply {n}"}}]}
    await hooks.async_log_success_event(kwargs, response, 1.0, 2.0)


async def _conversation(hooks, calls: int) -> list[dict]:
    """`calls` main turns, each resending the whole history (+ the same tools), a title side call every 10."""
    sent, msgs, n = [], [{"role": "system", "content": "You are a coder."}, {"role": "user", "content": "go"}], 0
    for k in range(calls):
        if k % 10 == 5:
            side = {"model": "m", "messages": [{"role": "user", "content": f"title for: {msgs[1]['content']}"}]}
            await _log(hooks, n, side)
            sent.append(side)
            n += 1
        req = {"model": "m", "messages": list(msgs), "tools": TOOLS, "max_tokens": 64}
        await _log(hooks, n, req)
        sent.append(req)
        n += 1
        msgs += [{"role": "assistant", "content": f"reply {n}"}, {"role": "tool", "content": "out\n" * 50}]
    return sent


async def test_history_is_stored_once_and_rebuilt(tmp_path, monkeypatch):
    hooks = _hooks(tmp_path, monkeypatch)
    sent = await _conversation(hooks, 30)
    path = trial_dir(tmp_path, TRIAL) / TRAJECTORY_FILE
    records, marker = read_trajectory(path)
    assert marker is None and [r["request"] for r in records] == sent
    raw = [json.loads(ln) for ln in path.read_text().splitlines()]
    assert "history" not in raw[0] and raw[1]["history"] == {"ref": "lc-0", "messages": 2, "tools": True}
    assert "tools" not in raw[1]["request"] and len(raw[1]["request"]["messages"]) == 2
    side_then_main = raw[5:7]  # the title call starts fresh; the next main turn still continues the main one
    assert "history" not in side_then_main[0] and side_then_main[1]["history"]["ref"] == "lc-4"

    sizes = [len(ln) for ln in path.read_bytes().splitlines()]
    full = [len(json.dumps({**r, "request": s})) for r, s in zip(raw, sent)]
    assert max(sizes[1:]) < sizes[0] and full[-1] > 5 * sizes[-1]  # no line grows with the history
    print(f"\ntrajectory, 30 calls: {sum(sizes)} bytes (history once) vs {sum(full)} bytes (full requests)")


async def test_size_cap_writes_one_marker_and_stops(tmp_path, monkeypatch):
    hooks = _hooks(tmp_path, monkeypatch, max_bytes=20_000)
    sent = await _conversation(hooks, 30)
    path = trial_dir(tmp_path, TRIAL) / TRAJECTORY_FILE
    lines = path.read_text().splitlines()
    assert sum('"swerl_truncated"' in ln for ln in lines) == 1 and '"swerl_truncated"' in lines[-1]
    records, marker = read_trajectory(path)
    assert marker["max_bytes"] == 20_000 and marker["trial_id"] == TRIAL
    assert 0 < len(records) < len(sent) and [r["request"] for r in records] == sent[: len(records)]
    assert path.stat().st_size <= 20_000 + 200


async def test_lenient_reader_and_old_files(tmp_path, monkeypatch):
    path = tmp_path / TRAJECTORY_FILE
    full = {"litellm_call_id": "a", "request": {"messages": [{"role": "user", "content": "hi"}]}}
    orphan = {"litellm_call_id": "b", "request": {"messages": []}, "history": {"ref": "zz", "messages": 1}}
    path.write_text(json.dumps(full) + "\n" + json.dumps(orphan) + '\n{"litellm_call_id": "c", "requ')
    records, marker = read_trajectory(path)
    assert marker is None and records[0] == full and records[1]["history_missing"] is True and len(records) == 2
    assert read_trajectory(tmp_path / "absent.jsonl") == ([], None)
