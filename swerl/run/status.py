"""`swerl status`: idle / training (pid, uptime, step, last reward, LiteLLM up|warming|down) / last run."""

from __future__ import annotations

from pathlib import Path

import httpx
from pydantic import BaseModel

from swerl.config.paths import RunPaths
from swerl.run import live, logs, procs
from swerl.run.index import IndexError_, IndexRow, last_row

WARMING_S = 30 * 60
"""vLLM boot + CUDA-graph capture take 10–20 min: a silent proxy before 30 min is warming, not down."""


class Status(BaseModel):
    state: str
    """idle | training | training-elsewhere"""
    run_id: str = ""
    exp: str = ""
    pid: int | None = None
    trainer_pid: int | None = None
    uptime: str = ""
    step: int | None = None
    reward: float | None = None
    reward_key: str = ""
    litellm: str = ""
    launch_log: str = ""
    others: list[str] = []
    last_run: IndexRow | None = None
    ledger_error: str = ""


def litellm_state(host: str, port: int, uptime_s: float | None) -> str:
    host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    try:
        r = httpx.get(f"http://{host}:{port}/health/liveliness", timeout=2.0)
        if r.status_code == 200:
            return "up"
    except httpx.HTTPError:
        pass
    return "warming" if uptime_s is not None and uptime_s < WARMING_S else "down"


def status(paths: RunPaths) -> Status:
    lv = live.check(paths.run_state_file)
    try:
        last = last_row(paths.index_file)
        err = ""
    except IndexError_ as exc:
        last, err = None, str(exc)
    others = [f"pid {p.pid} etime {procs.fmt_etime(p.etime)}: {p.cmd[:100]}" for p in lv.others]
    if not lv.ours:
        return Status(state="training-elsewhere" if others else "idle", others=others, last_run=last, ledger_error=err)
    st = lv.ours
    up = procs.elapsed_s(st.pid) if st.launcher_alive() else procs.elapsed_s(st.train_pid or 0)
    log_paths = [Path(p) for p in (st.launch_log, st.exp_log) if p]
    ls = logs.last_step(*log_paths)
    rw = logs.reward_of(ls[1]) if ls else None
    return Status(
        state="training",
        run_id=st.run_id,
        exp=st.exp,
        pid=st.pid,
        trainer_pid=st.train_pid,
        uptime=procs.fmt_etime(up),
        step=ls[0] if ls else None,
        reward=rw[1] if rw else None,
        reward_key=rw[0] if rw else "",
        litellm=litellm_state(st.litellm_host, st.ports.get("litellm", 8002), up),
        launch_log=st.launch_log,
        others=others,
        last_run=last,
        ledger_error=err,
    )
