"""The local-process sandbox (no isolation, for machines without Docker): real Harbor trials, real task
verifiers, real host processes — in both path modes (namespace needs root + `unshare -m`; rewrite works anywhere).
The model is the scripted stand-in server (conftest.ScriptedOpenAI)."""

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest

from swerl.config.paths import make_trial_id
from swerl.rollout.agents.registry import AgentEndpoint
from swerl.rollout.envs.local_process import LocalProcessEnvironment, namespace_supported, pid_namespace_supported
from swerl.rollout.runner import LOCAL_PROCESS, RolloutSettings, TrialJob, run_trials
from swerl.rollout.tasks import load_index
from swerl.rollout.validate import validate_tasks
from tests.rollout.conftest import ScriptedOpenAI, run_one_trial

pytestmark = pytest.mark.integration  # real model / real processes (CI runs it; the fast lane skips it)

MODES = [
    "rewrite",
    pytest.param(
        "namespace",
        marks=pytest.mark.skipif(
            not namespace_supported(), reason="namespace mode needs root and a working `unshare --mount`"
        ),
    ),
]


def settings(tmp_path, mode, **kw):
    return RolloutSettings(
        trials_root=tmp_path / "trials",
        num_workers=8,
        max_retries=0,
        max_timeout_sec=60,
        environment_import_path=LOCAL_PROCESS,
        environment_kwargs={"mode": mode, "base_dir": str(tmp_path / "sandboxes")},
        **kw,
    )


@pytest.mark.parametrize("mode", MODES)
def test_easy_tasks_grade_correctly(tmp_path, mode):
    """Gold → 1.0 and no-op → 0.0 on every shipped easy task; no sandbox root is left behind."""
    rows = load_index("tasks/easy")
    checks = asyncio.run(validate_tasks(rows, settings(tmp_path, mode)))
    assert [(c.task_id, c.problem) for c in checks if c.problem] == []
    assert len(checks) == len(rows) >= 20
    assert list((tmp_path / "sandboxes").iterdir()) == []


@pytest.mark.parametrize("mode", MODES)
def test_agent_trial_absolute_paths_and_leftover_processes(tmp_path, mode, easy_rows):
    """The agent writes through the absolute /app path (as in Docker) → reward 1.0; a background process it
    left running is killed at teardown."""
    hello = next(r for r in easy_rows if r.instance_id == "create-hello")
    marker = f"swerl-local-leftover-{os.getpid()}-{mode}"
    out, srv = run_one_trial(
        hello,
        [
            f"```bash\n(exec -a {marker} sleep 300) >/dev/null 2>&1 &\necho hello > /app/hello.txt; "
            f"cat /app/hello.txt\n```",
            "DONE",
        ],
        settings(tmp_path, mode),
    )
    assert out.reward == 1.0 and not out.masked, out
    assert (out.trial_dir / "verifier" / "reward.txt").read_text().strip() == "1"
    assert set(out.phases) >= {"sandbox", "agent", "verifier"}, out.phases  # rollout/phase_s_* of a real trial
    assert 0 < sum(out.phases.values()) <= out.duration_s
    assert "hello" in (out.trial_dir / "agent" / "swerl-bash.jsonl").read_text()
    assert subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout == b""
    assert not Path("/app/hello.txt").exists()  # the host's /app (if any) was never written


@pytest.mark.parametrize("mode", MODES)
def test_an_agent_wiping_tmp_does_not_touch_the_hosts_tmp(tmp_path, mode, easy_rows):
    """A model's `rm -rf /tmp/*` (seen on the GPU machine: it wiped the sandboxes, Ray's session and the kit of
    every concurrent trial) lands in the trial's own /tmp; the trial still grades. (The test deletes only its
    canary file, so a broken sandbox cannot wipe this machine's /tmp.)"""
    hello = next(r for r in easy_rows if r.instance_id == "create-hello")
    keep = Path("/tmp") / f"swerl-host-tmp-canary-{os.getpid()}-{mode}"
    keep.write_text("host")
    srv = ScriptedOpenAI(
        [
            f"```bash\nrm -f /tmp/{keep.name}; echo mine > /tmp/own.txt; cat /tmp/own.txt; echo hello > /app/hello.txt\n```",
            "DONE",
        ]
    )
    job = TrialJob(trial_id=make_trial_id(1, hello.instance_id, 0), task=hello, group=hello.instance_id)
    try:
        (out,) = asyncio.run(run_trials([job], settings(tmp_path, mode), AgentEndpoint(host_url=srv.url, api_key="k")))
        assert keep.read_text() == "host" and not Path("/tmp/own.txt").exists()
    finally:
        srv.close()
        keep.unlink(missing_ok=True)
    assert out.reward == 1.0 and not out.masked, out
    assert "mine" in (out.trial_dir / "agent" / "swerl-bash.jsonl").read_text()


@pytest.mark.skipif(
    not (namespace_supported() and pid_namespace_supported()), reason="needs root, `unshare --mount` and `--pid`"
)
def test_namespace_mode_kills_what_escaped_the_marker_and_keeps_jobs_across_execs(tmp_path, easy_rows):
    """A process that dropped the environment marker (`env -i`, as `sudo` does) in its own session is still
    killed at teardown (it is in the trial's PID namespace); a background job of one exec is alive in the next
    (as in Docker), and the agent's `kill` reaches it by the pid it saw."""
    hello = next(r for r in easy_rows if r.instance_id == "create-hello")
    marker = f"swerl-local-escaped-{os.getpid()}"
    out, srv = run_one_trial(
        hello,
        [
            f"```bash\nsetsid env -i bash -c 'exec -a {marker} sleep 300' >/dev/null 2>&1 < /dev/null &\n"
            "sleep 300 >/dev/null 2>&1 & echo $! > /app/job.pid; echo hello > /app/hello.txt\n```",
            "```bash\nkill -0 $(cat /app/job.pid) && echo job-alive\n```",
            "DONE",
        ],
        settings(tmp_path, "namespace"),
    )
    assert out.reward == 1.0 and not out.masked, out
    assert "job-alive" in (out.trial_dir / "agent" / "swerl-bash.jsonl").read_text()
    assert subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout == b""


@pytest.mark.skipif(not namespace_supported(), reason="namespace mode needs root and a working `unshare --mount`")
def test_namespace_mode_keeps_the_hosts_dev_read_only(tmp_path, easy_rows):
    """In namespace mode /dev is the host's, read-only: `> /dev/null` works, creating (or deleting) a node fails —
    a model's `rm /dev/null` broke every later exec of a 256-trial step on the GPU machine. The probe only tries
    to create a new node, so a broken sandbox cannot delete this machine's /dev/null."""
    hello = next(r for r in easy_rows if r.instance_id == "create-hello")
    probe = Path(f"/dev/swerl-probe-{os.getpid()}")
    srv = ScriptedOpenAI(
        [f"```bash\necho x > /dev/null && echo devnull-ok; touch {probe}; echo hello > /app/hello.txt\n```", "DONE"]
    )
    job = TrialJob(trial_id=make_trial_id(1, hello.instance_id, 0), task=hello, group=hello.instance_id)
    try:
        (out,) = asyncio.run(
            run_trials([job], settings(tmp_path, "namespace"), AgentEndpoint(host_url=srv.url, api_key="k"))
        )
        created = probe.exists()
    finally:
        srv.close()
        probe.unlink(missing_ok=True)
    log = (out.trial_dir / "agent" / "swerl-bash.jsonl").read_text()
    assert not created and "devnull-ok" in log and "Read-only file system" in log, log[-800:]
    assert out.reward == 1.0 and not out.masked, out
    assert Path("/dev/null").is_char_device()


def test_rewrite_only_touches_sandbox_paths(tmp_path):
    env = LocalProcessEnvironment.__new__(LocalProcessEnvironment)  # just the path logic, no Harbor plumbing
    env.root = tmp_path
    env._prefixes = lambda: ["/app", "/logs", "/tests", "/solution"]
    r = str(tmp_path)
    assert env.rewrite("cd /app && cat /logs/verifier/reward.txt") == f"cd {r}/app && cat {r}/logs/verifier/reward.txt"
    assert env.rewrite("ls /application /x/app ./app '/tests/t.sh'") == f"ls /application /x/app ./app '{r}/tests/t.sh'"
    assert env.rewrite("cd /app;pwd") == f"cd {r}/app;pwd"
    env._prefixes = lambda: ["/app", "/tmp"]
    env.root = Path("/tmp/sandboxes/swerl-local-x")  # a root under /tmp is rewritten once, not twice
    assert env.rewrite("ls /tmp/a /app") == "ls /tmp/sandboxes/swerl-local-x/tmp/a /tmp/sandboxes/swerl-local-x/app"


def test_bad_mode_is_one_line_error(tmp_path):
    with pytest.raises(ValueError, match="use auto, namespace or rewrite"):
        LocalProcessEnvironment(mode="chroot")


@pytest.mark.parametrize("mode", MODES)
def test_endless_output_is_cut_off_and_the_trial_goes_on(tmp_path, mode, easy_rows, monkeypatch):
    """A policy command that prints forever (`yes`) is killed once its output passes the sandbox output limit
    (small here), the agent sees the head and the cut-off note at the end, and the trial still solves the task."""
    from swerl.rollout.envs import output

    monkeypatch.setattr(output, "KEEP_BYTES", 4096)
    monkeypatch.setattr(output, "MAX_BYTES", 8 << 20)
    hello = next(r for r in easy_rows if r.instance_id == "create-hello")
    marker = f"swerl-local-yes-{os.getpid()}-{mode}"
    out, srv = run_one_trial(
        hello,
        [f"```bash\nbash -c 'exec -a {marker} yes'\n```", "```bash\necho hello > /app/hello.txt\n```", "DONE"],
        settings(tmp_path, mode),
    )
    assert out.reward == 1.0 and not out.masked, out
    first = [json.loads(x) for x in (out.trial_dir / "agent" / "swerl-bash.jsonl").read_text().splitlines()][0]
    assert first["exit_code"] != 0 and first["output"].startswith("y\ny\n"), first
    assert first["output"].endswith("(the sandbox output limit)\n"), first  # the agent's own cut keeps the tail
    assert subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout == b""


@pytest.mark.skipif(
    not (namespace_supported() and pid_namespace_supported()), reason="needs root, `unshare --mount` and `--pid`"
)
def test_namespace_init_reaps_orphans(tmp_path, easy_rows):
    """Processes a command leaves behind that then exit are reaped by the namespace's init (as Docker's
    `init: true` does), not kept as zombies for the rest of the trial."""
    hello = next(r for r in easy_rows if r.instance_id == "create-hello")
    orphans = "(sleep 0.1 &); (sleep 0.1 &); (sleep 0.1 &); sleep 1.5"
    count = "ps -eo stat=,comm= | awk '$1 ~ /^Z/ && $2 == \"sleep\"' | wc -l"
    out, _ = run_one_trial(
        hello,
        [f"```bash\n{orphans}; echo zombies=$({count}); echo hello > /app/hello.txt\n```", "DONE"],
        settings(tmp_path, "namespace"),
    )
    assert out.reward == 1.0 and not out.masked, out
    assert "zombies=0" in (out.trial_dir / "agent" / "swerl-bash.jsonl").read_text()
