"""Checkpoints: verl layout, atomic writes, keep-last-N, and resume after a real `kill -9` mid-step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WORKER = Path(__file__).parent / "resume_worker.py"


def _run(out: Path, slow: int | None = None) -> subprocess.Popen:
    args = [sys.executable, str(WORKER), str(out)] + ([str(slow)] if slow else [])
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _orders(out: Path) -> dict[int, str]:
    d = {}
    for line in (out / "order.txt").read_text().splitlines():
        step, rest = line.split(" ", 1)
        d[int(step)] = rest  # last occurrence wins (a killed step is re-run)
    return d


@pytest.mark.integration
def test_kill9_mid_step_resumes_same_order_and_weights(tmp_path):
    ref, killed = tmp_path / "ref", tmp_path / "killed"
    p_ref = _run(ref)
    p = _run(killed, slow=5)
    deadline = time.time() + 240
    while time.time() < deadline:  # wait until step 5's rollout started (steps 1-4 checkpointed)
        if (killed / "order.txt").exists() and any(
            ln.startswith("5 ") for ln in (killed / "order.txt").read_text().splitlines()
        ):
            break
        assert p.poll() is None, p.stdout.read()
        time.sleep(0.2)
    else:
        pytest.fail("worker never reached step 5")
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    ck = killed / "ckpt"
    assert (ck / "latest_checkpointed_iteration.txt").read_text().strip() == "4"
    # keep_last_n=2: only steps 3 and 4 remain; layout as verl writes it
    assert sorted(d.name for d in ck.iterdir() if d.name.startswith("global_step_")) == [
        "global_step_3",
        "global_step_4",
    ]
    actor = ck / "global_step_4" / "actor"
    for f in (
        "optim_world_size_1_rank_0.pt",
        "extra_state_world_size_1_rank_0.pt",
        "trainer_state.json",
        "huggingface/config.json",
        "huggingface/model.safetensors",
        "huggingface/tokenizer.json",
    ):
        assert (actor / f).is_file(), f
    p2 = _run(killed)
    log2 = p2.communicate(timeout=240)[0]
    assert p2.returncode == 0, log2
    assert "resumed from" in log2 and "step 4" in log2
    assert p_ref.wait(timeout=240) == 0
    assert _orders(killed) == _orders(ref)  # same data order after the resume
    assert (killed / "final.txt").read_text() == (ref / "final.txt").read_text()  # bit-identical weights
    assert "step:9 - " in (killed / "exp.log").read_text()


def test_checkpoint_write_is_atomic_and_latest_ignores_partial(tmp_path):
    from swerl.train.checkpoint import CheckpointManager
    from tiny import make_model, make_tokenizer

    m = CheckpointManager(tmp_path, keep_last_n=0)
    model, tok = make_model(), make_tokenizer()
    m.save(1, model, tok, None, {"epoch": 0, "pos": 2})
    # a writer killed mid-save leaves only a tmp dir: never picked up, cleaned by the next save
    (tmp_path / "global_step_2.tmp-999999" / "actor").mkdir(parents=True)
    assert m.latest() == 1
    m.save(2, model, tok, None, {"epoch": 0, "pos": 4})
    m.save(3, model, tok, None, {"epoch": 1, "pos": 2})
    assert m.latest() == 3 and m.steps() == [1, 2, 3]  # keep all by default
    assert not list(tmp_path.glob("*.tmp-*"))
    assert m.load(2, model, None)["pos"] == 4
