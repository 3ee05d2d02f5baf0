"""The run ledger stays valid YAML under 20 racing writers, and a full disk leaves the old ledger intact."""

from __future__ import annotations

import errno
import multiprocessing as mp
from pathlib import Path

import pytest
import yaml

from swerl.run import fsio, index


def _writer(path: str, n: int) -> None:
    row = index.add_running(Path(path), exp=f"exp-{n}")
    index.update_row(Path(path), row.id, status="completed", completed_at=index.utc_now(), notes=f"writer {n}")


def test_twenty_concurrent_writers(tmp_path):
    path = tmp_path / "artifacts" / "index.yaml"
    ctx = mp.get_context("fork")
    ps = [ctx.Process(target=_writer, args=(str(path), n)) for n in range(20)]
    for p in ps:
        p.start()
    for p in ps:
        p.join(60)
        assert p.exitcode == 0
    rows = yaml.safe_load(path.read_text())
    assert isinstance(rows, list) and len(rows) == 20
    assert sorted(r["id"] for r in rows) == [f"run_{i:03d}" for i in range(1, 21)]
    assert {r["status"] for r in rows} == {"completed"}
    assert sorted(r["exp"] for r in rows) == sorted(f"exp-{n}" for n in range(20))
    assert not [p for p in path.parent.iterdir() if p.suffix == ".tmp"]


def test_full_disk_keeps_old_ledger(tmp_path, monkeypatch):
    path = tmp_path / "index.yaml"
    first = index.add_running(path, exp="a")
    before = path.read_bytes()
    calls = {"n": 0}
    real_write = fsio.os.write

    def full_disk(fd, data):
        calls["n"] += 1
        if calls["n"] > 1:  # the first chunk lands, the next hits ENOSPC: a half-written temp file
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, bytes(data)[:10])

    monkeypatch.setattr(fsio.os, "write", full_disk)
    with pytest.raises(index.IndexError_, match="No space left on device.*previous ledger is unchanged"):
        index.update_row(path, first.id, status="completed")
    with pytest.raises(index.IndexError_):
        index.add_running(path, exp="b")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [r.status for r in index.read_index(path)] == ["running"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_torn_ledger_is_a_one_line_error(tmp_path):
    path = tmp_path / "index.yaml"
    path.write_text("- id: run_001\n  status: [unclosed\n")
    with pytest.raises(index.IndexError_, match="not valid YAML — fix or move it aside"):
        index.read_index(path)


def test_status_mapping():
    from swerl.run.archive import status_for

    assert status_for(0) == "completed"
    assert (
        status_for(130) == "interrupted" and status_for(1, "INT") == "interrupted" and status_for(143) == "interrupted"
    )
    assert status_for(137) == "failed" and status_for(2) == "failed"


def test_redaction_keeps_layout():
    from swerl.run.redact import redact_values, redact_yaml_text

    text = 'credentials:\n  wandb_api_key: "k3y-abcdef"   # prefer env\n  anthropic_api_key: sk-dummy\n  token: ""\n'
    red = redact_yaml_text(text)
    assert "k3y-abcdef" not in red and "wandb_api_key: <redacted>   # prefer env" in red
    assert "anthropic_api_key: sk-dummy" in red and 'token: ""' in red
    assert redact_values("x=supersecret1 y", ["supersecret1"]) == "x=<redacted> y"


def test_output_block_replaced_in_place():
    from swerl.run.output import render

    text = "# top\nruntime_info:\n  input:\n    model: {model_path: a}   # why\n  output:\n    run_id: old\n    final_metrics:\n      a: 1.0\n\n  # trailing\nmeta_info:\n  name: rl\n"
    new = render(text, {"run_id": "run_009", "final_metrics": {}})
    assert new == text.replace(
        "    run_id: old\n    final_metrics:\n      a: 1.0\n", "    run_id: run_009\n    final_metrics: {}\n"
    )


def test_archived_run_is_not_live_while_its_launcher_prints_the_summary():
    """start.sh archives (finished_at) and then prints `swerl dashboard summary` while still alive: that
    summary must say the run is over, not "training"."""
    import os

    from swerl.run import procs
    from swerl.run.state import RunState

    me = os.getpid()
    st = RunState(pid=me, pid_start=procs.start_ticks(me))
    assert st.live()
    st.finished_at, st.status = "2026-11-26T03:28:53Z", "completed"
    assert not st.live()
